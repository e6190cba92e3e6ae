"""Every setting the service reads, in one frozen dataclass.

This is the only module that reads the environment: everything else receives a
``Settings`` so tests can build one with ``dataclasses.replace`` instead of
patching ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BUILTIN_KNOWLEDGE_BASE = Path(__file__).parent / "data" / "knowledge_base.jsonl"
# A key's name appears in logs and is a rate-limit identity, so it is kept to plain characters.
KEY_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# Long enough that guessing one over HTTP, at any rate limit, is hopeless (Render generates 44 characters).
MIN_KEY_CHARS = 16
# What goes in an Authorization header without quoting: printable ASCII, no spaces.
KEY_CHARACTERS = re.compile(r"[\x21-\x7e]+")
ORIGIN = re.compile(r"\*|https?://[^/\s]+")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# What the web process may spend on connections in 512 MiB: the model child may reach MODEL_RSS_BUDGET_MB (380),
# the idle web process takes about 60 and bodies in flight about 36 at peak (see MAX_BODY_BYTES_IN_FLIGHT),
# which leaves about 32 MiB. A connection holds at most CONNECTION_COST_MIB of request heads: 0.9 MiB measured
# with maximal heads pipelined behind a request being answered (bench/stalled_heads.py --pipelined 32), whose
# answer the write timeout and the kernel's send buffer bound (service/web/server_limits.py).
CONNECTIONS_BUDGET_MIB = 32
CONNECTION_COST_MIB = 1.0
MAX_CONNECTIONS_DEFAULT = int(CONNECTIONS_BUDGET_MIB / CONNECTION_COST_MIB)


def _help(text: str) -> dict[str, Any]:
    return {"help": text}


@dataclass(frozen=True)
class ApiKey:
    """One API key and the name logs and rate limits know its holder by; the secret is never shown (no repr)."""

    name: str
    secret: str = field(repr=False)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; each field is read from the environment variable of the same name, upper-cased."""

    host: str = field(default="0.0.0.0", metadata=_help("interface to listen on"))
    port: int = field(default=8000, metadata=_help("TCP port (Render sets PORT)"))
    log_level: str = field(default="INFO", metadata=_help("logging level: DEBUG, INFO, WARNING, ERROR"))
    log_format: str = field(default="plain", metadata=_help("plain, or json for one JSON object per line"))
    shutdown_grace_s: float = field(
        default=30.0, metadata=_help("on SIGTERM/SIGINT, how long requests in flight may take to finish")
    )

    text_embedding_model: str = field(
        default=DEFAULT_MODEL,
        metadata=_help(
            "embedding model: the packaged int8 all-MiniLM-L6-v2 (default), "
            "paraphrase-MiniLM-L3-v2 (packaged, lighter), another fastembed model name "
            "(downloaded into DATA_DIR/models) or a local directory with model.onnx and tokenizer files"
        ),
    )
    data_dir: Path = field(
        default=Path("data"),
        metadata=_help("where the service keeps its files: DATA_DIR/store (evidence, claim memory), DATA_DIR/models"),
    )
    # Never shown (no repr): it may hold the database's password; /health shows it redacted.
    database_url: str = field(
        default="",
        repr=False,
        metadata=_help(
            "postgresql://user:password@host:port/db: passages, vectors and claim memory in PostgreSQL with "
            "pgvector, shared by every instance (Render fills it from a database); unset: DATA_DIR/store"
        ),
    )
    max_tokens: int = field(default=256, metadata=_help("tokens kept per text; longer texts are truncated"))
    model_threads: int = field(
        default=0, metadata=_help("onnxruntime threads in the model child (0: one per whole CPU of the CPU quota)")
    )

    # 64 MiB: ordinary claims (8 per call, up to 128 tokens: 57 MiB predicted) are never split further,
    # while at 512 MiB it leaves over 100 MiB between the container's resting use and its limit.
    model_call_budget_mb: float = field(
        default=64.0,
        metadata=_help(
            "transient memory one onnxruntime call may take over the child's resting size; "
            "the child packs texts into calls whose predicted peak stays under it"
        ),
    )
    model_start_method: str = field(
        default="forkserver",
        metadata=_help(
            "how model children start: forkserver (forked from a process that has imported the model libraries "
            "once: a restart costs a model load) or spawn (a fresh interpreter each time)"
        ),
    )
    model_rss_budget_mb: float = field(
        default=380.0, metadata=_help("model child RSS above which the watchdog restarts it")
    )
    watchdog_interval_ms: int = field(default=500, metadata=_help("how often the watchdog samples the child"))
    # An hour at one sample every 10 s: 360 rows of three floats, 8.6 KiB, and about as much JSON.
    history_points: int = field(
        default=360, metadata=_help("memory samples kept for /health/history and the /status chart")
    )
    history_interval_s: float = field(
        default=10.0, metadata=_help("seconds between two memory samples of the history (at least the watchdog's)")
    )
    model_boot_timeout_s: float = field(default=120.0, metadata=_help("time allowed for the model to load"))
    model_call_timeout_s: float = field(
        default=60.0, metadata=_help("time allowed for one batch; past it the child is restarted")
    )
    model_ping_timeout_s: float = field(
        default=10.0,
        metadata=_help("an idle child that leaves the watchdog's ping unanswered this long is hung: restarted"),
    )
    batch_overdue_s: float = field(
        default=15.0, metadata=_help("a batch in the child longer than this makes /health say degraded")
    )
    request_timeout_s: float = field(default=120.0, metadata=_help("time a request may wait for its embeddings"))
    max_batch_size: int = field(default=32, metadata=_help("texts per model call"))
    max_batch_wait_ms: float = field(
        default=5.0, metadata=_help("how long a batch waits to fill up while requests arrive together")
    )
    max_queue_texts: int = field(
        default=4096, metadata=_help("texts waiting for the model past which new requests get 503 Retry-After")
    )

    memory_limit_mb: float | None = field(
        default=None, metadata=_help("memory limit; the lower of this and the cgroup limit is enforced")
    )
    # A full collection every 10 requests took a fifth of the web process's CPU under load (3 to 8 ms each on
    # 2 busy cores) and collected nothing in 40 runs: start-up's objects are frozen, requests make few cycles,
    # and the collection when the last request of a burst leaves still runs.
    gc_every_n_requests: int = field(default=1000, metadata=_help("garbage-collect every N requests"))
    log_memory_every_n_requests: int = field(default=100, metadata=_help("log memory every N requests"))

    default_top_k: int = field(default=5, metadata=_help("evidence passages per claim when top_k is not given"))
    max_top_k: int = field(default=50, metadata=_help("largest top_k a request may ask for"))
    max_body_bytes: int = field(default=1_048_576, metadata=_help("largest request body (413 above)"))
    # Request bodies: how many bytes of them the web process admits at once, and how long one may take.
    # 8 MiB: in 512 MiB the model child may use up to MODEL_RSS_BUDGET_MB (380) and the idle web process
    # about 60, leaving about 70 MB; a body costs a few times its size while it is read, parsed, split
    # into claims and answered (8 concurrent 1 MiB /verify bodies: web RSS +36 MB at peak), so 8 MiB of
    # bodies stays inside that. It must be at least MAX_BODY_BYTES.
    max_body_bytes_in_flight: int = field(
        default=8 * 1_048_576,
        metadata=_help(
            "request-body bytes admitted at once (declared Content-Length, MAX_BODY_BYTES when chunked); "
            "past it a request gets 503 busy with Retry-After before its body is read; at least MAX_BODY_BYTES"
        ),
    )
    body_read_timeout_s: float = field(
        default=10.0,
        metadata=_help("time a request body may take to arrive (408 after it): MAX_BODY_BYTES in 10 s is 100 KiB/s"),
    )
    # Connections: see service/web/server_limits.py and the README's "Hostile clients" for how these were chosen.
    keepalive_timeout_s: float = field(
        default=75.0,
        metadata=_help(
            "idle keep-alive, and the time a client has to send a complete request head, counted from when the "
            "connection opens or its last answer was sent; keep it above the idle timeout of a proxy in front"
        ),
    )
    max_connections: int = field(
        default=MAX_CONNECTIONS_DEFAULT,
        metadata=_help(
            "connections read at once; past it a new one waits in line (up to 4 times as many) until a place "
            "frees up or one not being answered (sending a head it does not finish, or silent) is closed for it"
        ),
    )
    write_timeout_s: float = field(
        default=30.0,
        metadata=_help(
            "time a client may leave an answer unread (the server's send buffer full) before its connection is "
            "closed and the answer dropped"
        ),
    )
    max_claims: int = field(default=200, metadata=_help("most claims in one text (422 above)"))
    max_evidence_per_request: int = field(
        default=1000,
        metadata=_help("most evidence passages one /verify answer may carry: claims x top_k (422 above)"),
    )
    support_threshold: float = field(
        default=0.5,
        metadata=_help("similarity a passage needs to be read for a verdict (it then must state the claim too)"),
    )
    memory_match_threshold: float = field(
        default=0.95, metadata=_help("similarity at which a claim counts as one verified before")
    )
    max_remembered_claims: int = field(
        default=100_000,
        metadata=_help("claims the memory keeps (about 1 KB of disk each); the least recently seen go first"),
    )
    max_passages_per_client: int = field(
        default=10_000,
        metadata=_help("live passages one client (key or address) may have added through POST /evidence (403 above)"),
    )
    knowledge_base: Path = field(
        default=BUILTIN_KNOWLEDGE_BASE, metadata=_help("JSONL file of evidence passages loaded at start")
    )
    # Each batch is one commit of a few fsyncs, which bound an import's rate more than parsing does: 3,000 passages into
    # the embedded store took the command 13.5 s in batches of 8, 7.9 in batches of 32 and 4.7 in batches of 500 (about
    # 2 MB of rows and vectors), a model child's start included.
    import_batch_rows: int = field(default=500, metadata=_help("records run.py import stores per commit"))

    api_keys: tuple[ApiKey, ...] = field(
        default=(),
        metadata=_help(
            "comma-separated API keys for writes, each optionally named name=key (unnamed: key-1, key-2... by "
            "position); clients send Authorization: Bearer KEY. Unset: writes from loopback only"
        ),
    )
    verify_requires_key: bool = field(default=False, metadata=_help("true: POST /verify needs an API key too"))
    trusted_proxies: tuple[Network, ...] = field(
        default=(),
        metadata=_help(
            "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed "
            "(the client is then the right-most address in it that is not one of them)"
        ),
    )
    rate_limit_per_min: int = field(
        default=0,
        metadata=_help("requests a client (key name, else address) may make per minute, in bursts of as many; 0: none"),
    )
    rate_limit_clients: int = field(
        default=4096, metadata=_help("clients the rate limiter remembers; the least recently seen is forgotten")
    )
    cors_origins: tuple[str, ...] = field(
        default=(),
        metadata=_help("comma-separated origins (https://app.example) browsers may call from, or *; unset: none"),
    )

    def __post_init__(self) -> None:
        if self.model_start_method not in ("forkserver", "spawn"):
            raise ValueError("MODEL_START_METHOD must be forkserver or spawn")
        if self.log_format not in ("plain", "json"):
            raise ValueError("LOG_FORMAT must be plain or json")
        if self.max_tokens < 16:
            raise ValueError("MAX_TOKENS must be at least 16")
        if self.model_call_budget_mb <= 0:
            raise ValueError("MODEL_CALL_BUDGET_MB must be positive")
        if self.history_interval_s <= 0:
            raise ValueError("HISTORY_INTERVAL_S must be positive")
        for name in (
            "port",
            "max_batch_size",
            "max_queue_texts",
            "max_claims",
            "max_body_bytes",
            "max_remembered_claims",
            "max_passages_per_client",
            "import_batch_rows",
            "history_points",
            "max_connections",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.upper()} must be at least 1")
        if not 1 <= self.default_top_k <= self.max_top_k:
            raise ValueError("DEFAULT_TOP_K must be between 1 and MAX_TOP_K")
        if self.max_evidence_per_request < self.max_top_k:
            raise ValueError("MAX_EVIDENCE_PER_REQUEST must be at least MAX_TOP_K")
        if self.keepalive_timeout_s <= 0 or self.write_timeout_s <= 0:
            raise ValueError("KEEPALIVE_TIMEOUT_S and WRITE_TIMEOUT_S must be positive")
        check_api_keys(self.api_keys)
        if self.rate_limit_per_min < 0:
            raise ValueError("RATE_LIMIT_PER_MIN must be 0 (no limit) or more")
        if self.rate_limit_clients < 1:
            raise ValueError("RATE_LIMIT_CLIENTS must be at least 1")
        if self.database_url and not self.database_url.startswith(("postgresql://", "postgres://")):
            raise ValueError("DATABASE_URL must start with postgresql:// or postgres://")  # never quoted: a password
        for origin in self.cors_origins:
            if not ORIGIN.fullmatch(origin):
                raise ValueError(f"CORS_ORIGINS: {origin!r} is not * or an origin such as https://app.example")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (default ``os.environ``); unset or empty variables keep their default."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in fields(cls):
            raw = environ.get(setting.name.upper(), "").strip()
            if raw:
                values[setting.name] = parse_value(setting, raw)
        return cls(**values)

    @property
    def max_claim_chars(self) -> int:
        """The longest claim the splitter makes: it always fits in MAX_TOKENS, so no claim is cut short.

        A WordPiece token covers at least one character, so ``max_tokens - 2`` characters
        (the two special tokens aside) never tokenize past the cap.
        """
        return self.max_tokens - 2

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def parse_value(setting: dataclasses.Field[Any], raw: str) -> Any:
    """Convert ``raw`` to the field's type, naming the variable when it cannot be."""
    kind = str(setting.type)
    if kind.startswith("tuple[ApiKey"):
        return parse_api_keys(raw)  # never raises: a message quoting raw would show the keys
    try:
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
        if kind.startswith("Path"):
            return Path(raw)
        if kind.startswith("bool"):
            return parse_bool(raw)
        if kind.startswith("tuple[Network"):
            return tuple(ipaddress.ip_network(item, strict=False) for item in split_list(raw))
        if kind.startswith("tuple[str"):
            return split_list(raw)
    except ValueError:
        raise ValueError(f"{setting.name.upper()}={raw!r} is not a valid {describe(kind)}") from None
    return raw


def describe(kind: str) -> str:
    if kind.startswith("bool"):
        return "boolean (true or false)"
    if kind.startswith("tuple[Network"):
        return "list of IP addresses or CIDRs"
    return kind.split(" ")[0]


def split_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def parse_bool(raw: str) -> bool:
    value = raw.lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ValueError(raw)


def parse_api_keys(raw: str) -> tuple[ApiKey, ...]:
    """``name=key`` or ``key`` entries; an unnamed key is named ``key-N`` by its position.

    Only text before the first ``=`` that is a plain name and followed by more than ``=`` padding names a
    key, so a base64 key ending in ``=`` (as Render generates) is read whole.
    """
    keys = []
    for position, entry in enumerate(split_list(raw), start=1):
        name, _, secret = entry.partition("=")
        if KEY_NAME.fullmatch(name) and secret.strip("="):
            keys.append(ApiKey(name, secret))
        else:
            keys.append(ApiKey(f"key-{position}", entry))
    return tuple(keys)


def check_api_keys(keys: tuple[ApiKey, ...]) -> None:
    """Refuse weak, malformed or ambiguous keys, naming them by name only."""
    names = [key.name for key in keys]
    for key in keys:
        if not KEY_NAME.fullmatch(key.name):
            raise ValueError(f"API_KEYS: a key name may use letters, digits, '_', '.' and '-' (not {key.name!r})")
        if names.count(key.name) > 1:
            raise ValueError(f"API_KEYS: the name {key.name!r} is used twice")
        if len(key.secret) < MIN_KEY_CHARS or not KEY_CHARACTERS.fullmatch(key.secret):
            raise ValueError(
                f"API_KEYS: key {key.name!r} must be at least {MIN_KEY_CHARS} printable ASCII characters without "
                "spaces; make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
    if len({key.secret for key in keys}) < len(keys):
        raise ValueError("API_KEYS: the same key is listed twice")
