"""The OpenAPI 3.1 description of the HTTP API, served at /openapi.json (a test keeps it in step with the routes)."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
EVIDENCE = {
    "type": "object",
    "required": ["id", "text", "source", "similarity"],
    "properties": {
        "id": {"type": "string"},
        "text": {"type": "string"},
        "source": {"type": "string"},
        "similarity": {"type": "number"},
    },
}
CLAIM = {
    "type": "object",
    "required": ["claim", "verdict", "score", "evidence", "memory"],
    "properties": {
        "claim": {"type": "string"},
        "verdict": {"enum": ["supported", "refuted", "not_enough_evidence"]},
        "score": {"type": "number", "description": "cosine similarity to the closest passage"},
        "evidence": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}},
        "memory": {
            "type": "object",
            "properties": {
                "seen_before": {"type": "boolean"},
                "similarity": {"type": "number"},
                "times_seen": {"type": "integer"},
                "first_seen": {"type": "number"},
                "last_seen": {"type": "number"},
                "first_verdict": {"type": "string"},
            },
        },
    },
}
VERIFY_REQUEST = {
    "type": "object",
    "required": ["raw_text"],
    "properties": {
        "raw_text": {"type": "string", "minLength": 1},
        "top_k": {"type": "integer", "minimum": 1, "description": "at most MAX_TOP_K (50 by default)"},
    },
}
VERIFY_RESPONSE = {
    "type": "object",
    "required": ["claims", "model", "took_ms"],
    "properties": {
        "claims": {"type": "array", "items": {"$ref": "#/components/schemas/Claim"}},
        "model": {"type": "string"},
        "took_ms": {"type": "number"},
    },
}
HEALTH = {
    "type": "object",
    "required": ["status", "memory_mb", "memory_percent", "memory_limit_mb", "memory_limit_source", "processes"],
    "properties": {
        "status": {"enum": ["starting", "healthy", "degraded", "unhealthy"]},
        "memory_mb": {"type": "number"},
        "memory_percent": {"type": "number"},
        "memory_limit_mb": {"type": "number"},
        "memory_limit_source": {"enum": ["cgroup", "MEMORY_LIMIT_MB", "machine"]},
        "processes": {"type": "object"},
        "error": {"type": "string"},
    },
}


def json_body(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def error(description: str) -> dict[str, Any]:
    return json_body("Error", description)


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Claim verification API", "version": "0.1.0"},
        "paths": {
            "/verify": {
                "post": {
                    "summary": "Split a text into claims and verify each against the knowledge base",
                    "requestBody": {"required": True, **json_body("VerifyRequest", "The text to verify")},
                    "responses": {
                        "200": json_body("VerifyResponse", "A verdict and its evidence per claim"),
                        "400": error("Invalid JSON or fields"),
                        "413": error("Body over MAX_BODY_BYTES"),
                        "422": error("More than MAX_CLAIMS claims"),
                        "503": error(
                            "Starting, overloaded, over the memory limit, or the model failed; see Retry-After"
                        ),
                        "504": error("No embeddings within REQUEST_TIMEOUT_S"),
                    },
                }
            },
            "/health": {
                "get": {
                    "summary": "Status and memory of every process",
                    "responses": {
                        "200": json_body("Health", "Starting, healthy or degraded"),
                        "503": json_body("Health", "Unhealthy"),
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "responses": {"200": {"description": "Text exposition format", "content": {"text/plain": {}}}},
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
                }
            },
        },
        "components": {
            "schemas": {
                "Error": ERROR,
                "Evidence": EVIDENCE,
                "Claim": CLAIM,
                "VerifyRequest": VERIFY_REQUEST,
                "VerifyResponse": VERIFY_RESPONSE,
                "Health": HEALTH,
            }
        },
    }
