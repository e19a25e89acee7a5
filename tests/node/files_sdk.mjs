// Upload a file with @directus/sdk's uploadFiles, then read it back through /assets with a
// transform (readAssetArrayBuffer). Usage: node files_sdk.mjs <base url> <static token> <png path>
// Prints one JSON line: the created record and the transformed asset as base64.
import { readFile } from "node:fs/promises";
import { createDirectus, readAssetArrayBuffer, rest, staticToken, uploadFiles } from "@directus/sdk";

const [base, token, pngPath] = process.argv.slice(2);
const client = createDirectus(base).with(staticToken(token)).with(rest());

const form = new FormData();
form.append("title", "From the SDK");
form.append("file", new Blob([await readFile(pngPath)], { type: "image/png" }), "sdk upload.png");
const record = await client.request(uploadFiles(form));

const transformed = await client.request(
  readAssetArrayBuffer(record.id, { width: 10, height: 10, fit: "cover", format: "jpg", quality: 50 }),
);
console.log(JSON.stringify({ record, asset: Buffer.from(transformed).toString("base64") }));
