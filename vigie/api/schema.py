"""OpenAPI schema extensions: how the personal API token appears in the schema and Swagger UI."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "vigie.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (vg_…), created on the account page or with POST /api/v1/tokens/.",
        }


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The one error format of the API.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string"},
                "status": {"type": "integer", "example": 400},
                "fields": {
                    "type": "object",
                    "description": "Messages per field at fault (empty when the whole request is).",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "status", "fields"],
        }
    },
    "required": ["error"],
}
ERROR_DESCRIPTIONS = {
    "400": "Invalid input: malformed JSON, unknown or wrong-typed fields, a forbidden status change.",
    "401": "No valid token or session.",
    "403": "The object is visible but this action is not the caller's.",
    "404": "Not found, or belonging to a company the caller does not see.",
}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every operation documents the error answers."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not path.startswith("/api/v1/"):
                continue
            codes = ["401", "403"]
            if method in ("post", "put", "patch") or operation.get("parameters"):
                codes.insert(0, "400")
            if "{" in path:
                codes.append("404")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code], "content": reference})
    return result
