"""The OpenAPI 3.1 description of the HTTP API, served at /openapi.json (a test keeps it in step with the routes)."""

from __future__ import annotations

from typing import Any

from service.web.schemas import MAX_PAGE_SIZE

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
MEMORY = {
    "type": "object",
    "required": ["id", "claim", "verdict", "score", "evidence_ids", "times_seen", "first_seen", "last_seen"],
    "properties": {
        "id": {"type": "integer"},
        "claim": {"type": "string"},
        "verdict": {"type": "string"},
        "score": {"type": "number"},
        "evidence_ids": {"type": "array", "items": {"type": "string"}},
        "times_seen": {"type": "integer"},
        "first_seen": {"type": "number"},
        "last_seen": {"type": "number"},
        "similarity": {"type": "number", "description": "in /verify: how close the claim is to this memory"},
        "seen_before": {"type": "boolean", "description": "in /verify: this memory existed before the request"},
    },
}
CLAIM = {
    "type": "object",
    "required": ["claim", "span", "verdict", "score", "from_memory", "truncated", "reason", "evidence", "memory"],
    "properties": {
        "claim": {"type": "string", "description": "the claim's text, white space folded"},
        "span": {
            "type": "object",
            "required": ["start", "end"],
            "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}},
            "description": "where the claim stands in raw_text: raw_text[start:end], in code points",
        },
        "verdict": {"enum": ["supported", "refuted", "not_enough_evidence"]},
        "score": {"type": "number", "description": "cosine similarity to the closest passage"},
        "from_memory": {
            "type": "boolean",
            "description": "the same claim (same numbers, names and negation) was verified before, and its "
            "remembered verdict still holds on the same evidence",
        },
        "reason": {"$ref": "#/components/schemas/Reason"},
        "truncated": {
            "type": "boolean",
            "description": "the model read the claim only up to MAX_TOKENS (never with the packaged tokenizer)",
        },
        "evidence": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}},
        "memory": {"$ref": "#/components/schemas/Memory"},
    },
}
SPAN = {
    "type": ["object", "null"],
    "required": ["start", "end", "text"],
    "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}, "text": {"type": "string"}},
}
REASON = {
    "type": "object",
    "required": ["explanation", "passage_id", "conflicts"],
    "properties": {
        "explanation": {"type": "string", "description": "one sentence a person can check"},
        "passage_id": {"type": ["string", "null"], "description": "the passage the verdict rests on"},
        "conflicts": {
            "type": "array",
            "description": "for a refutation: where claim and passage disagree (spans index the claim's text "
            "and the passage's text; null where that side says nothing, as a negation only one has)",
            "items": {
                "type": "object",
                "required": ["kind", "claim", "evidence"],
                "properties": {
                    "kind": {"enum": ["name", "number", "opposite", "category", "negation"]},
                    "claim": SPAN,
                    "evidence": SPAN,
                },
            },
        },
    },
}
NEW_PASSAGES = {
    "type": "object",
    "required": ["passages"],
    "properties": {
        "passages": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["text"],
                "properties": {"text": {"type": "string"}, "source": {"type": "string"}, "id": {"type": "string"}},
                "additionalProperties": True,
            },
        }
    },
}
ADDED = {
    "type": "object",
    "properties": {
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "status": {"enum": ["added", "duplicate", "restored", "id_conflict"]},
                    "existing_id": {"type": ["string", "null"]},
                },
            },
        }
    },
}
PASSAGE = {
    "type": "object",
    "required": ["id", "text", "source", "metadata", "added_at"],
    "properties": {
        "id": {"type": "string"},
        "text": {"type": "string"},
        "source": {"type": "string"},
        "metadata": {"type": "object"},
        "added_at": {"type": "number"},
    },
}
MEMORY_PAGE = {
    "type": "object",
    "required": ["items", "total", "offset", "limit"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Memory"}},
        "total": {"type": "integer"},
        "offset": {"type": "integer"},
        "limit": {"type": "integer"},
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

MB_SERIES = {"type": "array", "items": {"type": ["number", "null"]}}
HISTORY = {
    "type": "object",
    "required": [
        "interval_s",
        "points",
        "model_budget_mb",
        "memory_limit_mb",
        "memory_limit_source",
        "samples",
        "restarts",
    ],
    "properties": {
        "interval_s": {"type": "number", "description": "seconds between samples (HISTORY_INTERVAL_S)"},
        "points": {"type": "integer", "description": "samples kept at most (HISTORY_POINTS); older ones are dropped"},
        "model_budget_mb": {"type": "number", "description": "MODEL_RSS_BUDGET_MB: the child is restarted above it"},
        "memory_limit_mb": {"type": "number", "description": "the limit both processes share, as in /health"},
        "memory_limit_source": {"enum": ["cgroup", "MEMORY_LIMIT_MB", "machine"]},
        "samples": {
            "type": "object",
            "description": "one column per series, oldest first, all of the same length (at most points)",
            "required": ["time", "web_rss_mb", "model_rss_mb"],
            "properties": {
                "time": {"type": "array", "items": {"type": "number"}, "description": "Unix time, seconds"},
                "web_rss_mb": MB_SERIES,
                "model_rss_mb": {**MB_SERIES, "description": "null while no model child could be measured"},
            },
        },
        "restarts": {
            "type": "array",
            "description": "the last restarts of the model child (at most 64), oldest first",
            "items": {
                "type": "object",
                "required": ["time", "reason"],
                "properties": {
                    "time": {"type": "number", "description": "Unix time, seconds"},
                    "reason": {"type": "string", "description": "died: ..., budget: ... or timeout: ..."},
                },
            },
        },
    },
}


def json_body(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {}}}


def error(description: str) -> dict[str, Any]:
    return json_body("Error", description)


def rate_limited() -> dict[str, Any]:
    return {"429": error("Over RATE_LIMIT_PER_MIN for this client (its key's name, else its address); see Retry-After")}


def needs_key(when: str = "") -> dict[str, Any]:
    return {
        "401": error(f"No API key{when}, or a wrong one; see WWW-Authenticate"),
        "403": error(f"No API key is configured{when} and the client is not on the server's machine"),
    }


def disk_full() -> dict[str, Any]:
    return {"507": error("The disk holding the store is full: the write was refused whole; reads go on")}


def json_only() -> dict[str, Any]:
    return {"415": error("The body is not sent as Content-Type: application/json")}


# Writes need a key; /verify only with VERIFY_REQUIRES_KEY, so a key is optional there ({} is none).
KEY: list[dict[str, list[str]]] = [{"bearerAuth": []}]
OPTIONAL_KEY: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Claim verification API", "version": "0.1.0"},
        "paths": {
            "/verify": {
                "post": {
                    "summary": "Split a text into claims and verify each against the knowledge base",
                    "security": OPTIONAL_KEY,
                    "requestBody": {"required": True, **json_body("VerifyRequest", "The text to verify")},
                    "responses": {
                        "200": json_body("VerifyResponse", "A verdict and its evidence per claim"),
                        "400": error("Invalid JSON or fields"),
                        **needs_key(" with VERIFY_REQUIRES_KEY=true"),
                        "413": error("Body over MAX_BODY_BYTES"),
                        **json_only(),
                        "422": error("More than MAX_CLAIMS claims"),
                        **rate_limited(),
                        "503": error(
                            "Starting, overloaded, over the memory limit, or the model failed; see Retry-After"
                        ),
                        "504": error("No embeddings within REQUEST_TIMEOUT_S"),
                        **disk_full(),
                    },
                }
            },
            "/evidence": {
                "post": {
                    "summary": "Add evidence passages (embedded and stored durably before the answer)",
                    "security": KEY,
                    "requestBody": {"required": True, **json_body("NewPassages", "Passages to add")},
                    "responses": {
                        "201": json_body("Added", "At least one passage was added or restored; each one's status"),
                        "200": json_body("Added", "Nothing new: every passage was stored already (or conflicts)"),
                        "409": json_body("Added", "Every passage's id holds other content: nothing stored"),
                        "403": error("No key configured and not on loopback, or the client's passage quota is used"),
                        "400": error("Invalid JSON or fields"),
                        **needs_key(),
                        **json_only(),
                        **rate_limited(),
                        "503": error("Starting or the model failed; see Retry-After"),
                        **disk_full(),
                    },
                }
            },
            "/evidence/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {
                    "summary": "One evidence passage",
                    "responses": {
                        "200": json_body("Passage", "The passage"),
                        "404": error("No such passage"),
                        **rate_limited(),
                    },
                },
                "delete": {
                    "summary": "Delete an evidence passage",
                    "security": KEY,
                    "responses": {
                        "204": {"description": "Deleted"},
                        **needs_key(),
                        "404": error("No such passage"),
                        **rate_limited(),
                        **disk_full(),
                    },
                },
            },
            "/memory": {
                "get": {
                    "summary": "Claims verified so far, newest first",
                    "parameters": [
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                        },
                    ],
                    "responses": {
                        "200": json_body("MemoryPage", "A page of claims"),
                        "400": error("Bad paging"),
                        **rate_limited(),
                    },
                },
                "delete": {
                    "summary": "Forget every remembered claim",
                    "security": KEY,
                    "responses": {"204": {"description": "Memory cleared"}, **needs_key(), **rate_limited()},
                },
            },
            "/memory/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "delete": {
                    "summary": "Forget one remembered claim: it is never recalled again",
                    "security": KEY,
                    "responses": {
                        "204": {"description": "Deleted"},
                        **needs_key(),
                        "404": error("No such memory"),
                        **rate_limited(),
                    },
                },
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
            "/health/history": {
                "get": {
                    "summary": "Memory of both processes over the last HISTORY_POINTS samples, and the restarts",
                    "responses": {"200": json_body("History", "Samples and restart marks"), **rate_limited()},
                }
            },
            "/": {
                "get": {
                    "summary": "A page to check a text: its claims highlighted by verdict, with reasons and evidence",
                    "responses": {"200": html("The page"), **rate_limited()},
                }
            },
            "/status": {
                "get": {
                    "summary": "A page charting /health/history, with the rest of /health below",
                    "responses": {"200": html("The page"), **rate_limited()},
                }
            },
            "/static/{path}": {
                "parameters": [{"name": "path", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {
                    "summary": "A script or style sheet of the pages (uPlot is vendored under vendor/)",
                    "responses": {
                        "200": {
                            "description": "The file",
                            "content": {"text/javascript": {}, "text/css": {}},
                        },
                        "404": error("No such file"),
                        **rate_limited(),
                    },
                },
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
                    "responses": {
                        "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}},
                        **rate_limited(),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "One of the server's API_KEYS: 'Authorization: Bearer KEY'",
                }
            },
            "schemas": {
                "Error": ERROR,
                "Evidence": EVIDENCE,
                "Claim": CLAIM,
                "Reason": REASON,
                "Memory": MEMORY,
                "MemoryPage": MEMORY_PAGE,
                "NewPassages": NEW_PASSAGES,
                "Added": ADDED,
                "Passage": PASSAGE,
                "VerifyRequest": VERIFY_REQUEST,
                "VerifyResponse": VERIFY_RESPONSE,
                "Health": HEALTH,
                "History": HISTORY,
            },
        },
    }
