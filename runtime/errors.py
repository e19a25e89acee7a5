"""Directus's error envelope and codes. Every failure a client can see is one of these.

`{"errors":[{"message":…,"extensions":{…,"code":…}}]}`: the error's own extensions first, then
`code`, exactly as Directus orders them.
"""

from __future__ import annotations

from typing import Any


class DirectusError(Exception):
    """Base class: `status`, `code`, a message and extensions, rendered by `to_dict`."""

    status = 500
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "extensions": {**self.extensions, "code": self.code}}


class ErrorGroup(DirectusError):
    """Several errors answered at once (e.g. one FAILED_VALIDATION per field)."""

    def __init__(self, errors: list[DirectusError]) -> None:
        super().__init__(errors[0].message)
        self.errors = errors
        statuses = {e.status for e in errors}
        self.status = statuses.pop() if len(statuses) == 1 else 500


class InternalError(DirectusError):
    def __init__(self) -> None:
        super().__init__("An unexpected error occurred.")


class ForbiddenError(DirectusError):
    status = 403
    code = "FORBIDDEN"

    def __init__(self, reason: str | None = None) -> None:
        if reason:
            super().__init__(reason, reason=reason)
        else:
            super().__init__("You don't have permission to access this.")

    @classmethod
    def collection(cls, name: str, path: tuple[str, ...] = ()) -> ForbiddenError:
        where = "root" if not path else f'"{".".join(path)}"'
        return cls(
            f'You don\'t have permission to access collection "{name}" or it does not exist. '
            f"Queried in {where}."
        )

    @classmethod
    def action(cls, action: str, collection: str) -> ForbiddenError:
        return cls(
            f'You don\'t have permission to perform "{action}" for collection "{collection}" '
            "or it does not exist."
        )

    @classmethod
    def payload_fields(cls, action: str, collection: str, names: list[str]) -> ForbiddenError:
        listed = ", ".join(f'"{name}"' for name in names)
        return cls(
            f'You don\'t have permissions to perform "{action}" for the field(s) {listed} '
            f'in collection "{collection}".'
        )

    @classmethod
    def field(cls, field: str, collection: str, path: tuple[str, ...] = ()) -> ForbiddenError:
        where = "root" if not path else f'"{".".join(path)}"'
        return cls(
            f'You don\'t have permission to access field "{field}" in collection "{collection}" '
            f"or it does not exist. Queried in {where}."
        )


class _ReasonError(DirectusError):
    prefix = ""

    def __init__(self, reason: str, **extensions: Any) -> None:
        super().__init__(f"{self.prefix} {reason}.", reason=reason, **extensions)


class InvalidQueryError(_ReasonError):
    status = 400
    code = "INVALID_QUERY"
    prefix = "Invalid query."


class InvalidPayloadError(_ReasonError):
    status = 400
    code = "INVALID_PAYLOAD"
    prefix = "Invalid payload."


class FailedValidationError(DirectusError):
    status = 400
    code = "FAILED_VALIDATION"

    def __init__(self, field: str, kind: str, detail: str, **extra: Any) -> None:
        super().__init__(
            f'Validation failed for field "{field}". {detail}',
            field=field,
            path=[],
            type=kind,
            **extra,
        )


class RecordNotUniqueError(DirectusError):
    status = 400
    code = "RECORD_NOT_UNIQUE"

    def __init__(self, collection: str, field: str | None, value: Any = None) -> None:
        if field is None or value is None:
            message = f'Value for field "{field}" in collection "{collection}" has to be unique.'
        else:
            message = (
                f'Value "{value}" for field "{field}" in collection "{collection}" '
                "has to be unique."
            )
        super().__init__(message, collection=collection, field=field, value=value)


class ValueTooLongError(DirectusError):
    status = 400
    code = "VALUE_TOO_LONG"

    def __init__(self, collection: str, field: str | None, value: Any = None) -> None:
        super().__init__(
            f'Value "{value}" for field "{field}" in collection "{collection}" is too long.',
            collection=collection,
            field=field,
            value=value,
        )


class ValueOutOfRangeError(DirectusError):
    status = 400
    code = "VALUE_OUT_OF_RANGE"

    def __init__(self, collection: str, field: str | None, value: Any = None) -> None:
        super().__init__(
            f'Numeric value "{value}" for field "{field}" in collection "{collection}" '
            "is out of range.",
            collection=collection,
            field=field,
            value=value,
        )


class NotNullViolationError(DirectusError):
    status = 400
    code = "NOT_NULL_VIOLATION"

    def __init__(self, collection: str, field: str | None) -> None:
        super().__init__(
            f'Value for field "{field}" in collection "{collection}" can\'t be null.',
            collection=collection,
            field=field,
        )


class InvalidForeignKeyError(DirectusError):
    status = 400
    code = "INVALID_FOREIGN_KEY"

    def __init__(self, collection: str, field: str | None, value: Any = None) -> None:
        if field is None:
            message = f'Invalid foreign key in collection "{collection}".'
        else:
            message = (
                f'Invalid foreign key "{value}" for field "{field}" in collection "{collection}".'
            )
        super().__init__(message, collection=collection, field=field, value=value)


class RouteNotFoundError(DirectusError):
    status = 404
    code = "ROUTE_NOT_FOUND"

    def __init__(self, path: str) -> None:
        super().__init__(f"Route {path} doesn't exist.", path=path)


class RequestsExceededError(DirectusError):
    """The rate limiter's 429; `wait` is the time to reset in `ms()` style (`10s`, `1m`)."""

    status = 429
    code = "REQUESTS_EXCEEDED"

    def __init__(self, limit: int, reset: str, wait: str) -> None:
        super().__init__(f"Too many requests, retry after {wait}.", limit=limit, reset=reset)


class ServiceUnavailableError(DirectusError):
    status = 503
    code = "SERVICE_UNAVAILABLE"

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(
            f'Service "{service}" is unavailable. {reason}.', service=service, reason=reason
        )


class ContentTooLargeError(DirectusError):
    status = 413
    code = "CONTENT_TOO_LARGE"

    def __init__(self) -> None:
        super().__init__("Uploaded content is too large.")


class _FixedError(DirectusError):
    """An error whose message never varies (Directus's auth errors)."""

    message_text = ""

    def __init__(self) -> None:
        super().__init__(self.message_text)


class InvalidCredentialsError(_FixedError):
    status = 401
    code = "INVALID_CREDENTIALS"
    message_text = "Invalid user credentials."


class TokenExpiredError(_FixedError):
    status = 401
    code = "TOKEN_EXPIRED"
    message_text = "Token expired."


class UserSuspendedError(_FixedError):
    status = 401
    code = "USER_SUSPENDED"
    message_text = "User suspended."


class InvalidOtpError(_FixedError):
    status = 401
    code = "INVALID_OTP"
    message_text = "Invalid user OTP."


class InvalidTokenError(_FixedError):
    status = 403
    code = "INVALID_TOKEN"
    message_text = "Invalid token."


class InvalidProviderError(_FixedError):
    status = 403
    code = "INVALID_PROVIDER"
    message_text = "Invalid provider."


def envelope(error: DirectusError) -> dict[str, Any]:
    """The response body for `error`."""
    errors = error.errors if isinstance(error, ErrorGroup) else [error]
    return {"errors": [e.to_dict() for e in errors]}
