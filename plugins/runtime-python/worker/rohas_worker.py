"""Rohas Python worker: runs a project's Python handlers for the runtime-python bridge.

Standard library only. One worker is one long-lived process; the bridge keeps a pool.

Protocol: frames in both directions are a 4-byte big-endian length followed by that many
bytes of UTF-8 JSON. The bridge writes to our stdin and reads our stdout, which is reserved
for frames: at start-up the protocol takes private copies of fds 0 and 1, fd 0 becomes
/dev/null and fd 1 points at stderr, and sys.stdout/sys.stderr are replaced by streams that
turn lines into log frames. So neither print() nor a C library writing to fd 1 can corrupt
the protocol.

Calls and their results, the hot path, travel in batches (docs/decisions/008): a frame
holding a JSON array is a list of calls (bridge -> worker) or of results (worker -> bridge),
one entry per call, in positional form. A frame holding an object is one message.

Bridge -> worker
  [[1, "api", "CreateUser", [...args], "traceId", "spanId"], ...]   calls
  {"t": "call", "id": 1, "kind": "api", "name": "CreateUser", "args": [...],
   "trace": {"traceId": "...", "spanId": "..."}}   one call, the same as a batch of one
  {"t": "cancel", "id": 1}                    the call ran over its timeout
  {"t": "resolve", "id": 2, "handlers": [{"kind": ..., "name": ...}]}
  {"t": "preload", "handlers": [...]}         import handler modules ahead of the first call
  {"t": "stop"}                               finish in-flight calls, then exit (EOF does too)

Worker -> bridge
  {"t": "ready", "pid": 123, "python": "3.11.7", "protocol": 2}
  [[1, result], [2, result], ...]             calls that returned (after their log/trigger frames)
  {"t": "err", "id": 1, "error": {"type", "message", "traceback", "status"?}}
  {"t": "log", "id": 1 | null, "level": "info", "msg": "...", "attrs": {...}?, "src": "logger"}
  {"t": "trigger", "id": 1, "event": "UserCreated", "payload": ...}
  {"t": "payload", "id": 1, "event": "UserCreated", "payload": ...}
  {"t": "resolved", "id": 2, "problems": [...]}
  {"t": "rx", "upto": 7}                      calls up to id 7 were read; sent before they start
                                              (unless --ack: then the id goes to the ack file)

Handler conventions are those of Rohas v0.1.0 (see DESIGN.md): snake_case files under
src/handlers/{api,events,cron,websockets} and src/middlewares.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextvars
import dataclasses
import datetime
import decimal
import enum
import faulthandler
import importlib
import inspect
import io
import json
import logging
import os
import platform
import queue
import re
import struct
import sys
import threading
import traceback
import typing
import uuid
import concurrent.futures.thread
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROTOCOL_VERSION = 2
HEADER = struct.Struct(">I")
# The id of the last call read, little-endian, in the --ack file.
_ACK = struct.Struct("<Q")
# A frame larger than this means the stream is out of step, not that a handler got a big request.
MAX_FRAME = 1 << 30

# ---------------------------------------------------------------------------------------------
# Framing


def _json_default(value: typing.Any) -> typing.Any:
    """Turns what handlers usually return into JSON: pydantic models, dataclasses, dates, ..."""
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump) and not isinstance(value, type):
        return model_dump(mode="json", by_alias=True)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Shallow on purpose: json calls us again for nested values that need it.
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    legacy_dict = getattr(value, "dict", None)  # pydantic v1 models
    if callable(legacy_dict) and not isinstance(value, type):
        return legacy_dict()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_iterencode() -> typing.Callable[[typing.Any, int], typing.Sequence[str]]:
    """A reusable JSON encoder returning chunks to join. The C encoder is built once (json.dumps
    builds one per call); without a markers dict it skips cycle checks, and a cycle ends in
    RecursionError."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pure-Python json: fall back to the standard encoder
        encode = json.JSONEncoder(default=_json_default, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
        return lambda value, _level: (encode(value),)
    return make(None, _json_default, json.encoder.encode_basestring, None, ":", ",", False, False, False)  # type: ignore[no-any-return]


_iterencode = _make_iterencode()
_join = "".join


def _encode_json(value: typing.Any) -> str:
    return _join(_iterencode(value, 0))


def encode_frame(message: typing.Any) -> bytes:
    """One frame: length prefix + UTF-8 JSON. Raises TypeError/ValueError for values JSON cannot carry."""
    body = _encode_json(message).encode("utf-8")
    return HEADER.pack(len(body)) + body


class FrameError(Exception):
    """The byte stream does not hold valid frames (the peer is out of step)."""


class AttrDict(dict):  # type: ignore[type-arg]
    """A dict that also reads as attributes, so `req.body` and `req["body"]` both work."""

    __slots__ = ()

    def __getattr__(self, key: str) -> typing.Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key: str, value: typing.Any) -> None:
        self[key] = value


# Every JSON object arrives as an AttrDict: cheaper here, in C, than converting arguments later.
_decoder = json.JSONDecoder(object_hook=AttrDict)
# The C scanner itself: JSONDecoder.raw_decode adds two Python-level calls per frame.
_scan = json.scanner.make_scanner(_decoder)


class FrameReader:
    """Splits a byte stream into decoded frames, whatever the chunk boundaries."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[typing.Any]:
        buffer = self._buffer
        buffer += data
        frames = []
        start = 0
        end = len(buffer)
        scan = _scan
        unpack_from = HEADER.unpack_from
        while end - start >= 4:
            (size,) = unpack_from(buffer, start)
            if size > MAX_FRAME:
                raise FrameError(f"frame of {size} bytes announced: the stream is out of step")
            if end - start - 4 < size:
                break
            try:
                text = buffer[start + 4 : start + 4 + size].decode("utf-8")
                value, stop = scan(text, 0)
            except StopIteration:
                raise FrameError("frame is not JSON: no value at the start") from None
            except ValueError as error:
                raise FrameError(f"frame is not JSON: {error}") from None
            if stop != len(text) and text[stop:].strip():
                raise FrameError(f"frame is not JSON: extra data at character {stop}")
            frames.append(value)
            start += 4 + size
        if start:
            del buffer[:start]
        return frames

    @property
    def pending_bytes(self) -> int:
        return len(self._buffer)


# ---------------------------------------------------------------------------------------------
# Handler discovery


def snake_case(name: str) -> str:
    """CreateUser -> create_user; the same rules as core/handler-refs.ts snakeCase."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"[-\s]+", "_", s)
    return s.lower()


KINDS = ("api", "event", "cron", "websocket", "middleware")
_FOLDERS = {
    "api": "handlers/api",
    "event": "handlers/events",
    "cron": "handlers/cron",
    "websocket": "handlers/websockets",
    "middleware": "middlewares",
}
_SIGNATURES = {
    "api": "(req, state)",
    "event": "(event, state)",
    "cron": "(req, state)",
    "websocket": "(message, connection, state)",
    "middleware": "(context, state)",
}


@dataclasses.dataclass(frozen=True)
class Location:
    """Where a handler must live: file relative to src, module name, accepted function names."""

    kind: str
    name: str
    relative_file: str
    module: str
    functions: tuple[str, ...]

    @property
    def signature(self) -> str:
        return f"{self.functions[0]}{_SIGNATURES[self.kind]}"


def handler_location(kind: str, name: str) -> Location:
    if kind not in _FOLDERS:
        raise ValueError(f"unknown handler kind {kind!r}")
    folder = _FOLDERS[kind]
    if kind in ("api", "cron"):
        base = snake_case(name)
        functions: tuple[str, ...] = (f"handle_{base}",)
    elif kind == "event":
        base = name
        # v0.1.0 stubs named event handlers both ways; handle_<name> wins when both exist.
        functions = (f"handle_{name}", name)
    elif kind == "websocket":
        base = name
        functions = (name, f"handle_{name}")
    else:
        base = name
        functions = (f"{snake_case(name)}_middleware",)
    relative = f"{folder}/{base}.py"
    module = f"{folder.replace('/', '.')}.{base}"
    return Location(kind, name, relative, module, functions)


class HandlerNotFound(Exception):
    """The file or the function a handler needs is missing; carries what was expected."""

    def __init__(self, location: Location, src_dir: Path, reason: str, found: list[str] | None = None):
        self.location = location
        self.reason = reason  # "missing-file" | "missing-function"
        self.found = found or []
        path = src_dir / location.relative_file
        if reason == "missing-file":
            message = f"{location.kind} handler {location.name!r} not found: expected {path} defining {location.signature}"
        else:
            names = " or ".join(location.functions)
            message = f"{path} does not define {names} (expected {location.signature})"
        super().__init__(message)


_EMPTY = inspect.Parameter.empty


@dataclasses.dataclass
class Target:
    """A resolved handler: the function plus what we learnt about its signature once."""

    location: Location
    function: typing.Callable[..., typing.Any]
    is_async: bool
    positional: int  # how many positional arguments it accepts (large for *args)
    annotations: list[typing.Any]  # per positional parameter, _EMPTY when not annotated
    second_is_state: bool
    # An `async def` with no await point cannot suspend: it runs to completion inline,
    # without the cost of an asyncio Task.
    inline: bool = False
    # Not a WebSocket handler and the first parameter builds no model: arguments need no work.
    plain: bool = False


# Opcodes of await, async for and async with (3.9 to 3.13); their absence means no suspension.
_SUSPENDING_OPS = frozenset(
    {"GET_AWAITABLE", "GET_AITER", "GET_ANEXT", "BEFORE_ASYNC_WITH", "SETUP_ASYNC_WITH", "END_ASYNC_FOR", "SEND", "YIELD_FROM", "YIELD_VALUE"}
)


def never_suspends(function: typing.Any) -> bool:
    """True for a plain `async def` whose body (nested code included) has no await point."""
    import dis

    code = getattr(function, "__code__", None)
    if code is None or not inspect.iscoroutinefunction(function):
        return False
    pending = [code]
    while pending:
        current = pending.pop()
        if any(instruction.opname in _SUSPENDING_OPS for instruction in dis.get_instructions(current)):
            return False
        pending.extend(c for c in current.co_consts if inspect.iscode(c))
    return True


def _state_like(param: inspect.Parameter, annotation: typing.Any) -> bool:
    if param.name in ("state", "ctx", "_state"):
        return True
    name = getattr(annotation, "__name__", None) or (annotation if isinstance(annotation, str) else "")
    return str(name).split(".")[-1] == "State"


def _model_from_annotation(annotation: typing.Any) -> typing.Any:
    """The class to build an argument with, or _EMPTY. Handles Optional[Model] and Model | None."""
    if annotation is _EMPTY or annotation is None or isinstance(annotation, str):
        return _EMPTY
    if isinstance(annotation, type):
        if hasattr(annotation, "model_validate") or dataclasses.is_dataclass(annotation):
            return annotation
        return _EMPTY
    args = typing.get_args(annotation)
    candidates = [a for a in args if a is not type(None)]
    if len(candidates) == 1:
        return _model_from_annotation(candidates[0])
    return _EMPTY


def _hints_one_by_one(function: typing.Callable[..., typing.Any]) -> dict[str, typing.Any]:
    """Resolves each annotation on its own, so the ones that can be resolved still count."""
    hints: dict[str, typing.Any] = {}
    namespace = getattr(function, "__globals__", {})
    for name, annotation in (getattr(function, "__annotations__", {}) or {}).items():
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)  # noqa: S307 - the handler's own annotation
            except Exception:  # noqa: BLE001
                continue
        hints[name] = annotation
    return hints


def inspect_target(location: Location, function: typing.Callable[..., typing.Any]) -> Target:
    is_async = inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)
    )
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return Target(location, function, is_async, 99, [], False)
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # noqa: BLE001 - one unresolvable annotation (e.g. `State` never imported)
        hints = _hints_one_by_one(function)
    params = []
    positional = 0
    for param in signature.parameters.values():
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            positional += 1
            params.append(param)
        elif param.kind == param.VAR_POSITIONAL:
            positional = 99
    annotations = [_model_from_annotation(hints.get(p.name, p.annotation)) for p in params]
    second_is_state = len(params) >= 2 and _state_like(params[1], hints.get(params[1].name, params[1].annotation))
    plain = location.kind != "websocket" and (not annotations or annotations[0] is _EMPTY)
    return Target(location, function, is_async, positional, annotations, second_is_state, never_suspends(function), plain)


class Registry:
    """Finds handler functions under the project's src directory and caches what it found."""

    def __init__(self, src_dir: Path) -> None:
        self.src_dir = src_dir
        self._targets: dict[tuple[str, str], Target] = {}
        # Read-only view for the hot path, which looks targets up without a method call.
        self.targets: typing.Mapping[tuple[str, str], Target] = self._targets

    def cached(self, kind: str, name: str) -> Target | None:
        return self._targets.get((kind, name))

    def resolve(self, kind: str, name: str) -> Target:
        key = (kind, name)
        target = self._targets.get(key)
        if target is not None:
            return target
        location = handler_location(kind, name)
        path = self.src_dir / location.relative_file
        if not path.is_file():
            raise HandlerNotFound(location, self.src_dir, "missing-file")
        # Import errors propagate with the user's traceback; nothing is cached so a fix is seen.
        module = importlib.import_module(location.module)
        for function_name in location.functions:
            function = getattr(module, function_name, None)
            if callable(function):
                target = inspect_target(location, function)
                self._targets[key] = target
                return target
        found = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_") and getattr(v, "__module__", None) == module.__name__)
        raise HandlerNotFound(location, self.src_dir, "missing-function", found)

    def check(self, kind: str, name: str) -> dict[str, typing.Any] | None:
        """None when the handler resolves, otherwise a problem description for the bridge."""
        try:
            self.resolve(kind, name)
            return None
        except HandlerNotFound as error:
            loc = error.location
            return {
                "kind": kind,
                "name": name,
                "reason": error.reason,
                "file": loc.relative_file,
                "functions": list(loc.functions),
                "signature": loc.signature,
                "found": error.found,
                "message": str(error),
            }
        except BaseException as error:  # noqa: BLE001 - import-time failures of user code
            loc = handler_location(kind, name)
            line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
            file = getattr(error, "filename", None) if isinstance(error, SyntaxError) else None
            if line is None:
                frame = _last_user_frame(error.__traceback__)
                if frame is not None:
                    file, line = frame
            return {
                "kind": kind,
                "name": name,
                "reason": "import-failed",
                "file": loc.relative_file,
                "functions": list(loc.functions),
                "signature": loc.signature,
                "errorType": type(error).__name__,
                "message": _error_message(error),
                "errorFile": file,
                "line": line,
                "traceback": format_traceback(error),
            }


def _last_user_frame(tb: typing.Any) -> tuple[str, int] | None:
    last = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.startswith("<") and "importlib" not in filename and filename != __file__:
            last = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return last


# ---------------------------------------------------------------------------------------------
# Errors


# Frames that only carry a call to the handler: this module, and the thread a plain `def` runs in.
_PLUMBING_FILES = {__file__, concurrent.futures.thread.__file__, threading.__file__}


def format_traceback(error: BaseException) -> str:
    """The full traceback, starting at the first frame of the user's code."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in _PLUMBING_FILES:
        tb = tb.tb_next
    if tb is None:
        tb = error.__traceback__
    return "".join(traceback.format_exception(type(error), error, tb))


def _error_message(error: BaseException) -> str:
    text = str(error)
    return text if text else type(error).__name__


def describe_error(error: BaseException) -> dict[str, typing.Any]:
    described: dict[str, typing.Any] = {
        "type": type(error).__name__,
        "message": _error_message(error),
        "traceback": format_traceback(error),
    }
    for attribute in ("status", "status_code"):
        status = getattr(error, attribute, None)
        if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
            described["status"] = status
            break
    return described


# ---------------------------------------------------------------------------------------------
# What handlers see


class Call:
    """One handler call in flight."""

    __slots__ = ("id", "kind", "name", "trace_id", "span_id", "started", "done", "timed_out")

    def __init__(self, call_id: int, kind: str, name: str, trace_id: str, span_id: str) -> None:
        self.id = call_id
        self.kind = kind
        self.name = name
        self.trace_id = trace_id
        self.span_id = span_id
        self.started = False
        self.done = False
        self.timed_out = False


_current_call: contextvars.ContextVar[Call | None] = contextvars.ContextVar("rohas_call", default=None)
_copy_context = contextvars.copy_context

_LEVELS = {
    "trace": "debug",
    "debug": "debug",
    "info": "info",
    "warn": "warn",
    "warning": "warn",
    "error": "error",
    "exception": "error",
    "critical": "error",
}


class Logger:
    """`state.logger`: lines go to Rohas's logs, attached to the handler's span."""

    def __init__(self, worker: Worker, call: Call) -> None:
        self._worker = worker
        self._call = call

    def _log(self, level: str, message: typing.Any, args: tuple[typing.Any, ...], attrs: dict[str, typing.Any]) -> None:
        text = str(message)
        if args:
            try:
                text = text % args
            except (TypeError, ValueError):
                text = " ".join([text, *map(str, args)])
        self._worker.log(self._call, level, text, attrs or None, "logger")

    def trace(self, message: typing.Any, *args: typing.Any, **attrs: typing.Any) -> None:
        self._log("debug", message, args, attrs)

    def debug(self, message: typing.Any, *args: typing.Any, **attrs: typing.Any) -> None:
        self._log("debug", message, args, attrs)

    def info(self, message: typing.Any, *args: typing.Any, **attrs: typing.Any) -> None:
        self._log("info", message, args, attrs)

    def warning(self, message: typing.Any, *args: typing.Any, **attrs: typing.Any) -> None:
        self._log("warn", message, args, attrs)

    warn = warning

    def error(self, message: typing.Any, *args: typing.Any, **attrs: typing.Any) -> None:
        self._log("error", message, args, attrs)

    critical = error

    def exception(self, message: typing.Any, *args: typing.Any, **attrs: typing.Any) -> None:
        error = sys.exc_info()[1]
        if error is not None:
            message = f"{message}\n{format_traceback(error)}".rstrip()
        self._log("error", message, args, attrs)


@dataclasses.dataclass
class TriggeredEvent:
    """What `State.get_triggers()` lists (the generated State has the same fields)."""

    event_name: str
    payload: typing.Any


class State:
    """The `state` argument: the interface of generated.state.State, connected to Rohas.

    trigger_event and set_payload reach Rohas at once (before the handler returns); the
    get_* methods of the generated class report what this handler asked for so far."""

    def __init__(self, worker: Worker, call: Call) -> None:
        self._worker = worker
        self._call = call
        self._triggers: list[TriggeredEvent] = []
        self._payloads: dict[str, typing.Any] = {}
        self.logger = Logger(worker, call)
        self.trace_id = call.trace_id
        self.span_id = call.span_id
        self.handler_name = call.name

    def trigger_event(self, event_name: str, payload: typing.Any = None) -> None:
        """Publish an event (one not necessarily in the schema's `triggers`) after this handler."""
        self._worker.send_for_call(self._call, {"t": "trigger", "id": self._call.id, "event": event_name, "payload": payload})
        self._triggers.append(TriggeredEvent(event_name, payload))

    def set_payload(self, event_name: str, payload: typing.Any) -> None:
        """Set the payload of an event the schema's `triggers` fires after this handler."""
        self._worker.send_for_call(self._call, {"t": "payload", "id": self._call.id, "event": event_name, "payload": payload})
        self._payloads[event_name] = payload

    def get_triggers(self) -> list[TriggeredEvent]:
        return list(self._triggers)

    def get_auto_trigger_payload(self, event_name: str) -> typing.Any:
        return self._payloads.get(event_name)

    def get_all_auto_trigger_payloads(self) -> dict[str, typing.Any]:
        return dict(self._payloads)

    def __repr__(self) -> str:
        return f"State(handler={self.handler_name!r}, trace_id={self.trace_id!r})"


def build_argument(value: typing.Any, annotation: typing.Any) -> typing.Any:
    """Builds the declared model from JSON; unannotated dicts read as attributes too."""
    if annotation is _EMPTY:
        return value
    validate = getattr(annotation, "model_validate", None)
    if validate is not None:
        return validate(value)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation) and isinstance(value, dict):
        return annotation(**value)
    return value


def arguments_for(target: Target, raw: list[typing.Any], make_state: typing.Callable[[], typing.Any]) -> list[typing.Any]:
    """Positional arguments per kind, passing `state` (made only then) when the function takes it."""
    n = target.positional
    ann = target.annotations
    a0 = ann[0] if ann else _EMPTY
    if target.location.kind == "websocket":
        message = raw[0] if raw else None
        connection = raw[1] if len(raw) > 1 else None
        a1 = ann[1] if len(ann) > 1 else _EMPTY
        if n >= 3:
            return [build_argument(message, a0), build_argument(connection, a1), make_state()]
        if n == 2:
            if target.second_is_state:  # v0.1.0 on_connect style: (connection, state)
                return [build_argument(connection, a0), make_state()]
            return [build_argument(message, a0), build_argument(connection, a1)]
        if n == 1:
            return [build_argument(connection if message is None else message, a0)]
        return []
    first = raw[0] if raw else None
    if n >= 2:
        return [build_argument(first, a0), make_state()]
    if n == 1:
        return [build_argument(first, a0)]
    return []


# Results that cannot be a generated `<Name>Response`, so unwrap_response has nothing to look at.
_PLAIN_RESULTS = frozenset({dict, AttrDict, list, str, int, float, bool, type(None)})


def unwrap_response(api_name: str, result: typing.Any) -> typing.Any:
    """A generated `<Name>Response` carries the body in `data` (see generated/api/*.py)."""
    cls = type(result)
    if cls.__name__ == f"{api_name}Response" and "data" in (getattr(cls, "model_fields", None) or {}):
        return result.data
    return result


# ---------------------------------------------------------------------------------------------
# Output capture


class CapturedStream(io.TextIOBase):
    """Replaces sys.stdout/sys.stderr: each complete line becomes a log frame of the current call."""

    def __init__(self, worker: Worker, level: str, source: str, fallback_fd: int) -> None:
        super().__init__()
        self._worker = worker
        self._level = level
        self._source = source
        self._fallback_fd = fallback_fd
        self._partial: dict[int | None, str] = {}
        self._lock = threading.Lock()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        # Code that writes to the fd directly reaches stderr, which the bridge also logs.
        return self._fallback_fd

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        call = _current_call.get()
        key = call.id if call is not None else None
        with self._lock:
            pending = self._partial.pop(key, "") + text
            *lines, rest = pending.split("\n")
            if rest:
                self._partial[key] = rest
                self._worker.streams_have_partial_lines = True
        for line in lines:
            self._worker.log(call, self._level, line, None, self._source)
        return len(text)

    def flush(self) -> None:
        pass

    def flush_call(self, call: Call | None) -> None:
        if not self._partial:
            return
        key = call.id if call is not None else None
        with self._lock:
            rest = self._partial.pop(key, None)
        if rest:
            self._worker.log(call, self._level, rest, None, self._source)


class LoggingHandler(logging.Handler):
    """Routes the stdlib `logging` module to Rohas's logs, attached to the current call."""

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self._worker = worker

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message = f"{message}\n{format_traceback(record.exc_info[1])}".rstrip()
            level = _LEVELS.get(record.levelname.lower(), "info")
            self._worker.log(_current_call.get(), level, message, {"logger": record.name}, "logging")
        except Exception:  # noqa: BLE001 - logging must never break a handler
            self.handleError(record)


# ---------------------------------------------------------------------------------------------
# The worker


class SyncRunner:
    """Runs plain `def` handlers on threads, so a blocking one does not stop the loop.

    Cheaper than loop.run_in_executor, which costs a Future pair and a wake-up of the loop
    per call: jobs go through a C queue to long-lived threads, which post their outcomes
    through Worker.post (one wake-up per burst, in order with the call's own log frames)."""

    def __init__(self, post: typing.Callable[..., None], finish: typing.Callable[..., None], max_threads: int) -> None:
        self._post = post
        self._finish = finish
        self._max_threads = max_threads
        self._jobs: queue.SimpleQueue[typing.Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0  # threads waiting for a job, minus jobs queued for them

    def submit(self, call: Call, context: contextvars.Context, function: typing.Callable[..., typing.Any], args: list[typing.Any]) -> None:
        with self._lock:
            self._idle -= 1
            start = self._idle < 0 and self._threads < self._max_threads
            if start:
                self._threads += 1
                self._idle += 1  # the new thread takes this job
        self._jobs.put((call, context, function, args))
        if start:
            threading.Thread(target=self._serve, name=f"rohas-sync-handler-{self._threads}", daemon=True).start()

    def _serve(self) -> None:
        jobs = self._jobs
        post = self._post
        finish = self._finish
        while True:
            call, context, function, args = jobs.get()
            try:
                outcome = (True, context.run(function, *args))
            except BaseException as error:  # noqa: BLE001 - every failure goes back to the bridge
                outcome = (False, error)
            post(finish, call, *outcome)
            del call, context, function, args, outcome
            with self._lock:
                self._idle += 1


class _FrameProtocol(asyncio.Protocol):
    def __init__(self, worker: Worker) -> None:
        self._worker = worker
        self._reader = FrameReader()

    def data_received(self, data: bytes) -> None:
        try:
            frames = self._reader.feed(data)
        except FrameError as error:
            self._worker.fatal(str(error))
            return
        self._worker.receive(frames)

    def eof_received(self) -> bool:
        self._worker.begin_stop()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._worker.begin_stop()


class Worker:
    def __init__(self, src_dir: Path, out_fd: int) -> None:
        self.registry = Registry(src_dir)
        self._out_fd = out_fd
        self._outbox: list[bytes] = []
        # Encoded `[id, result]` replies not yet closed into a frame: consecutive replies travel
        # as one JSON array, so the bridge parses one frame per batch rather than one per call.
        self._replies: list[str] = []
        self._flush_scheduled = False
        self._tasks: dict[int, asyncio.Future[None]] = {}
        self._calls: dict[int, Call] = {}
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = threading.get_ident()
        self._eager = False
        self._stopped: asyncio.Future[None] | None = None
        self._executor = ThreadPoolExecutor(thread_name_prefix="rohas-sync-handler")
        self._sync = SyncRunner(self.post, self._finish_threaded, min(32, (os.cpu_count() or 1) + 4))
        # Plain `def` calls running on a SyncRunner thread.
        self._threaded: dict[int, Call] = {}
        # Callbacks posted from other threads, run on the loop in the order they were posted.
        self._posted: collections.deque[tuple[typing.Callable[..., None], tuple[typing.Any, ...]]] = collections.deque()
        self._post_pending = False
        self.streams: list[CapturedStream] = []
        # Set by a CapturedStream holding a line without its newline yet; saves two calls per call.
        self.streams_have_partial_lines = False
        # Tests swap this to capture frames without a pipe.
        self.write_out: typing.Callable[[bytes], None] = self._write_fd
        # With --ack: a shared mapping of the bridge's ack file. A store there needs no syscall and
        # wakes nobody, and it survives this process being killed: the bridge reads it after.
        self.ack: typing.Any = None

    # -- output ------------------------------------------------------------------------------

    def _write_fd(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._out_fd, view)
            view = view[written:]

    def send(self, message: dict[str, typing.Any]) -> None:
        """Queues a frame; frames queued in one loop turn go out in one write."""
        self.send_bytes(encode_frame(message))

    def send_bytes(self, frame: bytes) -> None:
        if self._loop is None:
            self.write_out(frame)
            return
        if threading.get_ident() != self._loop_thread:
            self.post(self.send_bytes, frame)
            return
        if self._replies:
            self._close_replies()  # frames leave in the order they were sent
        self._outbox.append(frame)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def post(self, callback: typing.Callable[..., None], *args: typing.Any) -> None:
        """Runs callback(*args) on the loop; from any thread. Waking the loop costs a syscall,
        so a burst of posts shares one wake-up."""
        self._posted.append((callback, args))
        if not self._post_pending:
            self._post_pending = True
            self._loop.call_soon_threadsafe(self._run_posted)  # type: ignore[union-attr]

    def _run_posted(self) -> None:
        # Reset before draining: a post that saw the flag set is drained below.
        self._post_pending = False
        posted = self._posted
        while posted:
            callback, args = posted.popleft()
            try:
                callback(*args)
            except Exception as error:  # noqa: BLE001 - one failure must not strand the others
                os.write(2, f"rohas worker: {type(error).__name__}: {error}\n".encode())

    def _send_reply(self, reply: str) -> None:
        """Queues an encoded `[id, result]` (loop thread only: replies come from calls on the loop)."""
        self._replies.append(reply)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)  # type: ignore[union-attr]

    def _close_replies(self) -> None:
        body = ("[" + ",".join(self._replies) + "]").encode("utf-8")
        self._replies.clear()
        self._outbox.append(HEADER.pack(len(body)) + body)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self._replies:
            self._close_replies()
        if not self._outbox:
            return
        data = b"".join(self._outbox)
        self._outbox.clear()
        self._write_now(data)

    def _write_now(self, data: bytes) -> None:
        try:
            self.write_out(data)
        except OSError:
            # The bridge is gone: nobody can receive results any more.
            os._exit(0)

    def send_for_call(self, call: Call, message: dict[str, typing.Any]) -> None:
        if call.done:
            self.log(None, "warn", f"{message['t']} of {message.get('event')!r} after handler {call.name!r} returned was dropped", None, "worker")
            return
        self.send(message)

    def log(self, call: Call | None, level: str, message: str, attrs: dict[str, typing.Any] | None, source: str) -> None:
        frame: dict[str, typing.Any] = {"t": "log", "id": call.id if call is not None and not call.done else None, "level": level, "msg": message, "src": source}
        if call is not None and call.done:
            frame["handler"] = call.name
        if attrs:
            frame["attrs"] = attrs
        try:
            self.send(frame)
        except (TypeError, ValueError):
            frame["attrs"] = {k: repr(v) for k, v in (attrs or {}).items()}
            self.send(frame)

    # -- input -------------------------------------------------------------------------------

    def receive(self, frames: list[dict[str, typing.Any]]) -> None:
        """Acknowledges the calls in `frames` before starting any of them, then dispatches.

        If this process dies, the bridge fails the calls it acknowledged (they may have run)
        and sends the others to another worker (they certainly did not)."""
        last_call = 0
        for frame in frames:
            if type(frame) is list:
                if frame:
                    last_call = frame[-1][0]
            elif frame.get("t") == "call":
                last_call = frame["id"]
        if last_call:
            if self.ack is not None:
                _ACK.pack_into(self.ack, 0, last_call)
            else:
                self._flush()  # keep frames in order: anything queued goes first
                self._write_now(encode_frame({"t": "rx", "upto": last_call}))
        for frame in frames:
            if type(frame) is list:
                self.start_calls(frame)
            else:
                self.dispatch(frame)
        if self._replies or self._outbox:
            # Calls that ran inline have replied: send now rather than after another loop turn.
            self._flush()

    def dispatch(self, frame: dict[str, typing.Any]) -> None:
        kind = frame.get("t")
        if kind == "call":
            trace = frame.get("trace") or {}
            self.start_call(frame["id"], frame["kind"], frame["name"], frame.get("args"), trace.get("traceId"), trace.get("spanId"))
        elif kind == "cancel":
            threaded = self._threaded.pop(frame["id"], None)
            if threaded is not None:
                # A thread cannot be stopped: answer now; its outcome is dropped when it comes.
                threaded.timed_out = True
                self._end_call(threaded)
                self.send_bytes(self._error_frame(threaded, asyncio.CancelledError(), False))
                self._check_stopped()
                return
            cancelled = self._calls.get(frame["id"])
            running = self._tasks.get(frame["id"])
            if cancelled is not None and running is not None:
                cancelled.timed_out = True
                # A task that has not started yet sees timed_out itself: cancelling it now would
                # drop it before run_call could reply.
                if cancelled.started:
                    running.cancel()
        elif kind == "resolve":
            problems = [p for h in frame.get("handlers", []) if (p := self.registry.check(h["kind"], h["name"]))]
            self.send({"t": "resolved", "id": frame["id"], "problems": problems})
        elif kind == "preload":
            for h in frame.get("handlers", []):
                self.registry.check(h["kind"], h["name"])
        elif kind == "stop":
            self.begin_stop()
        else:
            self.log(None, "warn", f"unknown frame type {kind!r} ignored", None, "worker")

    def start_calls(self, entries: list[list[typing.Any]]) -> None:
        """Starts a batch of calls; start_call written out for the inline ones (the hot path)."""
        if self._loop is None:
            raise RuntimeError("dispatch before serve()")
        targets = self.registry.targets
        run_inline = self.run_inline
        for call_id, kind, name, args, trace_id, span_id in entries:
            target = targets.get((kind, name))
            if target is not None and target.inline:
                _copy_context().run(run_inline, Call(call_id, kind, name, trace_id or "", span_id or ""), target, args or [])
            else:
                self.start_call(call_id, kind, name, args, trace_id, span_id)

    def start_call(self, call_id: int, kind: str, name: str, args: list[typing.Any] | None, trace_id: str | None, span_id: str | None) -> None:
        """Starts one call: inline when its handler cannot suspend, else as an asyncio Task."""
        if self._loop is None:
            raise RuntimeError("dispatch before serve()")
        call = Call(call_id, kind, name, trace_id or "", span_id or "")
        target = self.registry.cached(kind, name)
        if target is not None:
            if target.inline:
                _copy_context().run(self.run_inline, call, target, args or [])
                return
            if not target.is_async:
                self.start_threaded(call, target, args or [])
                return
        self._calls[call_id] = call
        task = self._new_task(self.run_call(call, args or []))
        if not task.done():  # an eager task (Python 3.12+) may already have finished
            self._tasks[call_id] = task

    def start_threaded(self, call: Call, target: Target, raw_args: list[typing.Any]) -> None:
        """A plain `def`: arguments built here, the function run on a SyncRunner thread."""
        call.started = True
        try:
            args = arguments_for(target, raw_args, lambda: State(self, call))
        except BaseException as error:  # noqa: BLE001 - the request does not fit the handler's model
            self._end_call(call)
            self.send_bytes(self._error_frame(call, error, True))
            return
        context = _copy_context()
        context.run(_current_call.set, call)
        self._threaded[call.id] = call
        self._sync.submit(call, context, target.function, args)

    def _finish_threaded(self, call: Call, ok: bool, value: typing.Any) -> None:
        if self._threaded.pop(call.id, None) is None:
            return  # answered already: it ran over its timeout
        if ok and inspect.isawaitable(value):  # a plain def that returned a coroutine
            self._calls[call.id] = call
            task = self._new_task(self._await_then_reply(call, value))
            if not task.done():
                self._tasks[call.id] = task
            return
        if ok:
            try:
                reply = self._ok_reply(call, value)
            except BaseException as error:  # noqa: BLE001
                ok, value = False, error
        self._end_call(call)
        if ok:
            self._send_reply(reply)
        else:
            self.send_bytes(self._error_frame(call, value, False))
        self._check_stopped()

    async def _await_then_reply(self, call: Call, awaitable: typing.Any) -> None:
        try:
            reply = self._ok_reply(call, await awaitable)
        except BaseException as error:  # noqa: BLE001
            self._end_call(call)
            self.send_bytes(self._error_frame(call, error, False))
        else:
            self._end_call(call)
            self._send_reply(reply)
        self._check_stopped()

    def _check_stopped(self) -> None:
        if self._stopping and not self._tasks and not self._threaded and self._stopped is not None and not self._stopped.done():
            self._stopped.set_result(None)

    def run_inline(self, call: Call, target: Target, raw_args: list[typing.Any]) -> None:
        """Runs a handler that cannot suspend, start to finish, in the caller's (copied) context.

        The hot path of the bridge: what _ok_reply, _end_call and _send_reply do is written out
        here, since each Python-level call costs about as much as a small handler."""
        building_arguments = False
        try:
            call.started = True
            _current_call.set(call)
            if target.plain and target.positional == 1:
                coroutine = target.function(raw_args[0] if raw_args else None)
            else:
                building_arguments = True
                args = arguments_for(target, raw_args, lambda: State(self, call))
                building_arguments = False
                coroutine = target.function(*args)
            try:
                coroutine.send(None)
            except StopIteration as stop:
                result = stop.value
            else:  # cannot happen for code without await points; never leave it half-run
                coroutine.close()
                raise RuntimeError(f"handler {call.name!r} suspended although it has no await")
            if type(result) not in _PLAIN_RESULTS and call.kind == "api":
                result = unwrap_response(call.name, result)
            try:
                reply = _join(_iterencode([call.id, result], 0))
            except (TypeError, ValueError, RecursionError) as error:
                raise TypeError(f"the handler's result cannot be sent as JSON: {error}") from None
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the bridge
            self._end_call(call)
            self.send_bytes(self._error_frame(call, error, building_arguments))
            return
        if self.streams_have_partial_lines:
            for stream in self.streams:
                stream.flush_call(call)
        call.done = True
        self._replies.append(reply)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)  # type: ignore[union-attr]

    async def run_call(self, call: Call, raw_args: list[typing.Any]) -> None:
        building_arguments = False
        try:
            call.started = True
            _current_call.set(call)
            if call.timed_out:
                raise asyncio.CancelledError()
            target = self.registry.resolve(call.kind, call.name)
            building_arguments = True
            args = arguments_for(target, raw_args, lambda: State(self, call))
            building_arguments = False
            if target.is_async:
                result = await target.function(*args)
            else:
                context = contextvars.copy_context()
                result = await self._loop.run_in_executor(self._executor, context.run, target.function, *args)  # type: ignore[union-attr]
                if inspect.isawaitable(result):  # a plain def that returned a coroutine
                    result = await result
            reply = self._ok_reply(call, result)
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the bridge
            self._end_call(call)
            self.send_bytes(self._error_frame(call, error, building_arguments))
        else:
            self._end_call(call)
            self._send_reply(reply)
        self._check_stopped()

    def _ok_reply(self, call: Call, result: typing.Any) -> str:
        """`[id, result]` as JSON: one entry of a replies frame."""
        if type(result) not in _PLAIN_RESULTS and call.kind == "api":
            result = unwrap_response(call.name, result)
        try:
            return _encode_json([call.id, result])
        except (TypeError, ValueError, RecursionError) as error:
            raise TypeError(f"the handler's result cannot be sent as JSON: {error}") from None

    def _error_frame(self, call: Call, error: BaseException, building_arguments: bool) -> bytes:
        described = describe_error(error)
        if isinstance(error, asyncio.CancelledError) and call.timed_out:
            described["type"] = "TimeoutError"
            described["message"] = f"handler {call.name!r} ran over its timeout and was cancelled"
        elif isinstance(error, HandlerNotFound):
            described["type"] = "HandlerNotFound"
            described["traceback"] = ""
        elif building_arguments and "status" not in described:
            described["status"] = 400  # the request does not fit the model the handler declares
        try:
            return encode_frame({"t": "err", "id": call.id, "error": described})
        except (TypeError, ValueError):
            return encode_frame({"t": "err", "id": call.id, "error": {"type": described["type"], "message": repr(error)}})

    def _end_call(self, call: Call) -> None:
        if self.streams_have_partial_lines:
            for stream in self.streams:
                stream.flush_call(call)
        call.done = True
        self._calls.pop(call.id, None)
        self._tasks.pop(call.id, None)

    def _new_task(self, coroutine: typing.Coroutine[typing.Any, typing.Any, None]) -> asyncio.Future[None]:
        if self._eager:
            return self._loop.create_task(coroutine)  # type: ignore[union-attr]
        # Straight to the C Task: loop.create_task adds a Python-level layer per call.
        return asyncio.Task(coroutine, loop=self._loop)

    # -- lifecycle -----------------------------------------------------------------------------

    def begin_stop(self) -> None:
        """No more input: finish in-flight calls, then let serve() return."""
        self._stopping = True
        self._check_stopped()

    def fatal(self, reason: str) -> None:
        os.write(2, f"rohas worker: protocol error: {reason}\n".encode())
        os._exit(3)

    async def serve(self, in_fd: int) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._stopped = self._loop.create_future()
        # Python 3.12+: a handler that finishes without waiting never goes through the scheduler.
        eager = getattr(asyncio, "eager_task_factory", None)
        if eager is not None:
            self._loop.set_task_factory(eager)
            self._eager = True
        pipe = os.fdopen(in_fd, "rb", buffering=0)
        transport, _ = await self._loop.connect_read_pipe(lambda: _FrameProtocol(self), pipe)
        self.send({"t": "ready", "pid": os.getpid(), "python": platform.python_version(), "protocol": PROTOCOL_VERSION})
        try:
            await self._stopped
        finally:
            transport.close()
            self._flush()
            self._executor.shutdown(wait=False, cancel_futures=True)


def _install_capture(worker: Worker) -> None:
    """Takes fds 0 and 1 for the protocol and routes everything else to logs."""
    stderr_fd = 2
    stdout = CapturedStream(worker, "info", "stdout", stderr_fd)
    stderr = CapturedStream(worker, "warn", "stderr", stderr_fd)
    sys.stdout = stdout
    sys.stderr = stderr
    worker.streams = [stdout, stderr]
    root = logging.getLogger()
    root.addHandler(LoggingHandler(worker))


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="rohas_worker", description="Rohas Python handler worker")
    parser.add_argument("--src", required=True, help="the project's source directory (put on sys.path)")
    parser.add_argument("--ack", help="an 8-byte file where calls read are acknowledged instead of rx frames")
    options = parser.parse_args(argv)

    # The protocol gets private copies of stdin/stdout; fd 0 reads nothing, fd 1 goes to stderr.
    in_fd = os.dup(0)
    out_fd = os.dup(1)
    os.set_blocking(out_fd, True)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    faulthandler.enable(file=2)

    src_dir = Path(options.src).resolve()
    sys.path.insert(0, str(src_dir))
    # Let `src` itself be importable when handlers use `from src.x import y`.
    sys.path.insert(1, str(src_dir.parent))
    for folder in _FOLDERS.values():  # v0.1.0 put each handler's folder on sys.path too
        sys.path.append(str(src_dir / folder))

    worker = Worker(src_dir, out_fd)
    if options.ack:
        import mmap

        with open(options.ack, "r+b") as ack_file:
            worker.ack = mmap.mmap(ack_file.fileno(), _ACK.size)
    _install_capture(worker)
    asyncio.run(worker.serve(in_fd))
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    # os._exit: a sync handler still running in a thread after its timeout must not keep us alive.
    os._exit(code)
