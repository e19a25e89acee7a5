// The official @directus/sdk against a generated app: log in, refresh, read with filters and
// relational fields, create, update, delete, log out. Usage: node auth_sdk.mjs <url> <email> <password>
// Prints one JSON line with what each step returned.
import { createRequire } from "node:module";
import {
  authentication,
  createDirectus,
  createItem,
  deleteItem,
  readItem,
  readItems,
  readMe,
  rest,
  updateItem,
} from "@directus/sdk";

const [url, email, password] = process.argv.slice(2);
const version = createRequire(import.meta.url)("@directus/sdk/package.json").version;
const major = Number(version.split(".")[0]);
const client = createDirectus(url).with(authentication("json")).with(rest());

const out = { version };
// the login signature changed to a single object in @directus/sdk 19
out.login = major >= 19 ? await client.login({ email, password }) : await client.login(email, password);
out.refresh = await client.refresh();
out.rotated = out.refresh.refresh_token !== out.login.refresh_token;
out.me = await client.request(readMe({ fields: ["id", "email"] }));
out.articles = await client.request(
  readItems("articles", {
    fields: ["id", "title", { author_id: ["name"] }, { tags: [{ tags_id: ["name"] }] }],
    filter: { status: { _eq: "published" }, views: { _gte: 0 } },
    sort: ["-id"],
    limit: 3,
  }),
);
const created = await client.request(createItem("tags", { name: "from-sdk" }));
out.created = created;
out.updated = await client.request(updateItem("tags", created.id, { name: "from-sdk-renamed" }));
out.read = await client.request(readItem("tags", created.id));
await client.request(deleteItem("tags", created.id));
try {
  await client.request(readItem("tags", created.id));
  out.afterDelete = "still readable";
} catch (error) {
  out.afterDelete = error.errors?.[0]?.extensions?.code ?? String(error);
}
try {
  await client.request(readItems("no_such_collection"));
} catch (error) {
  out.unknown = error.errors?.[0]?.extensions?.code ?? String(error);
}
await client.logout();
try {
  await client.refresh();
  out.afterLogout = "refreshed";
} catch (error) {
  out.afterLogout = error.errors?.[0]?.extensions?.code ?? String(error);
}
console.log(JSON.stringify(out));
