"""Tests for rohas_worker: framing, discovery, arguments, concurrency, capture, errors.

Run with: .venv/bin/python -m pytest plugins/runtime-python/worker
Some tests run the module in-process; those about the real process (fd handling, print
capture, crashes) spawn it exactly as the bridge does and speak frames over its pipes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import os
import select
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pydantic
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import rohas_worker as rw  # noqa: E402

WORKER = Path(__file__).parent / "rohas_worker.py"


# ------------------------------------------------------------------------------------------------
# helpers


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Writes files relative to root/src and returns the src directory."""
    src = root / "src"
    for relative, text in files.items():
        path = src / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    src.mkdir(parents=True, exist_ok=True)
    return src


def messages(frames: list[Any]) -> list[dict[str, Any]]:
    """Frames as messages: a results frame `[[id, result], ...]` becomes one "ok" message each."""
    out: list[dict[str, Any]] = []
    for frame in frames:
        if isinstance(frame, list):
            out.extend({"t": "ok", "id": call_id, "result": result} for call_id, result in frame)
        else:
            out.append(frame)
    return out


class InProcess:
    """A Worker on the current event loop whose frames are collected instead of written."""

    def __init__(self, src: Path) -> None:
        self.worker = rw.Worker(src, -1)
        self.frames: list[dict[str, Any]] = []
        self.reader = rw.FrameReader()
        self.worker.write_out = lambda data: self.frames.extend(messages(self.reader.feed(data)))
        self._next = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.worker._loop = loop  # noqa: SLF001 - serve() would set these from a pipe
        self.worker._loop_thread = threading.get_ident()  # noqa: SLF001
        self.worker._stopped = loop.create_future()  # noqa: SLF001

    def call(self, kind: str, name: str, *args: Any, trace_id: str = "trace-1") -> int:
        self._next += 1
        frame = {"t": "call", "id": self._next, "kind": kind, "name": name, "args": list(args), "trace": {"traceId": trace_id, "spanId": "span-1"}}
        # Through the real decoder, so arguments arrive exactly as they would from a pipe.
        (decoded,) = rw.FrameReader().feed(rw.encode_frame(frame))
        self.worker.dispatch(decoded)
        return self._next

    async def reply(self, call_id: int, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for frame in self.frames:
                if frame.get("id") == call_id and frame["t"] in ("ok", "err"):
                    return frame
            await asyncio.sleep(0.005)
        raise AssertionError(f"no reply for call {call_id}; frames: {self.frames}")

    def for_call(self, call_id: int, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f.get("id") == call_id and f["t"] == kind]


class Subprocess:
    """The worker as a real process, spoken to over pipes like the bridge does."""

    def __init__(self, src: Path, python: str = sys.executable, extra: tuple[str, ...] = ()) -> None:
        self.proc = subprocess.Popen(
            [python, "-u", str(WORKER), "--src", str(src), *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=src.parent,
        )
        self.reader = rw.FrameReader()
        self.frames: list[dict[str, Any]] = []
        self.arrivals: list[dict[str, Any]] = []  # every frame, in the order it came
        self._next = 0
        ready = self.next_frame(lambda f: f["t"] == "ready")
        assert ready["protocol"] == rw.PROTOCOL_VERSION

    def send(self, frame: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(rw.encode_frame(frame))
        self.proc.stdin.flush()

    def call(self, kind: str, name: str, *args: Any) -> int:
        self._next += 1
        self.send({"t": "call", "id": self._next, "kind": kind, "name": name, "args": list(args), "trace": {"traceId": "t", "spanId": "s"}})
        return self._next

    def next_frame(self, match: Any, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for i, frame in enumerate(self.frames):
                if match(frame):
                    return self.frames.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching frame; have {self.frames}; stderr: {self.stderr()}")
            assert self.proc.stdout is not None
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                data = os.read(self.proc.stdout.fileno(), 65536)
                if not data:
                    raise AssertionError(f"worker closed stdout; frames {self.frames}; stderr: {self.stderr()}")
                decoded = messages(self.reader.feed(data))
                self.frames.extend(decoded)
                self.arrivals.extend(decoded)

    def reply(self, call_id: int) -> dict[str, Any]:
        return self.next_frame(lambda f: f.get("id") == call_id and f["t"] in ("ok", "err"))

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode(errors="replace")

    def close(self) -> int:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture(autouse=True)
def _isolated_imports():
    """Each test gets a fresh view of handler modules (they share names across projects)."""
    before_path = list(sys.path)
    before_modules = set(sys.modules)
    yield
    sys.path[:] = before_path
    for name in set(sys.modules) - before_modules:
        if name.split(".")[0] in ("handlers", "middlewares", "generated", "helpers"):
            del sys.modules[name]


def use_src(src: Path) -> None:
    sys.path.insert(0, str(src))


# ------------------------------------------------------------------------------------------------
# framing


def test_frames_round_trip_whatever_the_chunking() -> None:
    messages = [{"t": "call", "id": i, "text": "héllo ✓ " * i, "n": [1, 2.5, None, True]} for i in range(50)]
    stream = b"".join(rw.encode_frame(m) for m in messages)
    for chunk_size in (1, 3, 7, 64, len(stream)):
        reader = rw.FrameReader()
        out: list[Any] = []
        for i in range(0, len(stream), chunk_size):
            out.extend(reader.feed(stream[i : i + chunk_size]))
        assert out == messages
        assert reader.pending_bytes == 0


def test_frame_is_length_prefixed_utf8_json() -> None:
    frame = rw.encode_frame({"a": "é"})
    (size,) = struct.unpack(">I", frame[:4])
    assert size == len(frame) - 4
    assert json.loads(frame[4:].decode("utf-8")) == {"a": "é"}


def test_corrupt_stream_is_a_frame_error() -> None:
    with pytest.raises(rw.FrameError, match="not JSON"):
        rw.FrameReader().feed(struct.pack(">I", 3) + b"{x}")
    with pytest.raises(rw.FrameError, match="out of step"):
        rw.FrameReader().feed(struct.pack(">I", rw.MAX_FRAME + 1))


def test_values_json_cannot_carry_are_refused_not_corrupted() -> None:
    with pytest.raises(ValueError):
        rw.encode_frame({"x": float("nan")})
    with pytest.raises(TypeError, match="object"):
        rw.encode_frame({"x": object()})


def test_results_are_serialised_from_models_dataclasses_and_dates() -> None:

    class User(pydantic.BaseModel):
        id: int
        created_at: datetime.datetime = pydantic.Field(alias="createdAt")

    @dataclasses.dataclass
    class Box:
        user: Any
        tags: set[str]

    when = datetime.datetime(2024, 1, 2, 3, 4, 5)
    (decoded,) = rw.FrameReader().feed(rw.encode_frame({"r": Box(User(id=1, createdAt=when), {"a"})}))
    assert decoded == {"r": {"user": {"id": 1, "createdAt": "2024-01-02T03:04:05"}, "tags": ["a"]}}


# ------------------------------------------------------------------------------------------------
# discovery


@pytest.mark.parametrize(
    ("name", "snake"),
    [("CreateUser", "create_user"), ("getHTTPStatus", "get_http_status"), ("already_snake", "already_snake"), ("A", "a"), ("UserV2Created", "user_v2_created")],
)
def test_snake_case_matches_the_typescript_rules(name: str, snake: str) -> None:
    assert rw.snake_case(name) == snake


def test_locations_follow_the_v010_conventions() -> None:
    api = rw.handler_location("api", "CreateUser")
    assert (api.relative_file, api.module, api.functions) == ("handlers/api/create_user.py", "handlers.api.create_user", ("handle_create_user",))
    event = rw.handler_location("event", "send_welcome_email")
    assert event.relative_file == "handlers/events/send_welcome_email.py"
    assert event.functions == ("handle_send_welcome_email", "send_welcome_email")
    cron = rw.handler_location("cron", "DailyCleanup")
    assert (cron.relative_file, cron.functions) == ("handlers/cron/daily_cleanup.py", ("handle_daily_cleanup",))
    ws = rw.handler_location("websocket", "on_message")
    assert (ws.relative_file, ws.functions) == ("handlers/websockets/on_message.py", ("on_message", "handle_on_message"))
    mw = rw.handler_location("middleware", "auth")
    assert (mw.relative_file, mw.functions) == ("middlewares/auth.py", ("auth_middleware",))


def test_registry_resolves_and_reports_what_is_missing(tmp_path: Path) -> None:
    src = write_project(
        tmp_path,
        {
            "handlers/api/create_user.py": "async def handle_create_user(req, state):\n    return 1\n",
            "handlers/api/get_user.py": "def handle_get_usr(req):\n    return 1\n\ndef helper():\n    pass\n",
            "handlers/events/notify.py": "def notify(event):\n    return 1\n",
            "handlers/api/broken.py": "x = 1\ndef handle_broken(req:\n",
            "handlers/api/explodes.py": "import json\nraise RuntimeError('no config')\n",
        },
    )
    use_src(src)
    registry = rw.Registry(src)
    target = registry.resolve("api", "CreateUser")
    assert target.is_async and target.positional == 2 and target.function.__name__ == "handle_create_user"
    assert registry.resolve("event", "notify").function.__name__ == "notify"  # the v0.1.0 bare name

    missing_file = registry.check("api", "DeleteUser")
    assert missing_file is not None
    assert missing_file["reason"] == "missing-file"
    assert missing_file["file"] == "handlers/api/delete_user.py"
    assert "handle_delete_user(req, state)" in missing_file["message"]

    missing_function = registry.check("api", "GetUser")
    assert missing_function is not None
    assert missing_function["reason"] == "missing-function"
    assert missing_function["found"] == ["handle_get_usr", "helper"]

    syntax = registry.check("api", "Broken")
    assert syntax is not None
    assert (syntax["reason"], syntax["errorType"], syntax["line"]) == ("import-failed", "SyntaxError", 2)

    runtime = registry.check("api", "Explodes")
    assert runtime is not None
    assert runtime["errorType"] == "RuntimeError" and runtime["message"] == "no config"
    assert runtime["errorFile"].endswith("explodes.py") and runtime["line"] == 2


# ------------------------------------------------------------------------------------------------
# arguments and state


def _target(source: str, kind: str = "api") -> rw.Target:
    namespace: dict[str, Any] = {}
    exec(compile(textwrap.dedent(source), "handler.py", "exec", dont_inherit=True), namespace)  # noqa: S102
    function = next(v for k, v in namespace.items() if callable(v) and not k.startswith("_") and k != "BaseModel")
    return rw.inspect_target(rw.handler_location(kind, "X"), function)


STATE = object()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def h():\n    pass", []),
        ("def h(req):\n    pass", ["REQ"]),
        ("async def h(req, state):\n    pass", ["REQ", STATE]),
        ("def h(req, state=None):\n    pass", ["REQ", STATE]),
        ("def h(*args):\n    pass", ["REQ", STATE]),
    ],
)
def test_state_is_passed_only_when_the_function_takes_it(source: str, expected: list[Any]) -> None:
    assert rw.arguments_for(_target(source), ["REQ"], lambda: STATE) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def on_message(message, connection, state):\n    pass", ["MSG", "CONN", STATE]),
        ("def on_connect(connection, state):\n    pass", ["CONN", STATE]),
        ("def on_message(message, connection):\n    pass", ["MSG", "CONN"]),
        ("def on_connect(connection):\n    pass", ["CONN"]),
    ],
)
def test_websocket_arguments_follow_the_signature(source: str, expected: list[Any]) -> None:
    target = _target(source, "websocket")
    message = None if "on_connect" in source else "MSG"
    assert rw.arguments_for(target, [message, "CONN"], lambda: STATE) == expected


def test_annotated_pydantic_models_are_built_from_json() -> None:
    # As in a handler module; `State` is never imported, so only some annotations resolve.
    module = """
        from pydantic import BaseModel

        class Body(BaseModel):
            name: str

        class CreateUserRequest(BaseModel):
            body: Body
            query_params: dict[str, str] = {}

        def handle_create_user(req: "CreateUserRequest", state: "State") -> None:
            pass
    """
    namespace: dict[str, Any] = {"__name__": "handler_module"}
    # dont_inherit: this file's `from __future__ import annotations` must not leak into it.
    exec(compile(textwrap.dedent(module), "handler_module.py", "exec", dont_inherit=True), namespace)  # noqa: S102
    target = rw.inspect_target(rw.handler_location("api", "CreateUser"), namespace["handle_create_user"])
    (raw,) = rw.FrameReader().feed(rw.encode_frame({"body": {"name": "Ada"}, "query_params": {"a": "1"}, "headers": {}}))
    req, state = rw.arguments_for(target, [raw], lambda: STATE)
    assert isinstance(req, namespace["CreateUserRequest"]) and req.body.name == "Ada" and state is STATE

    with pytest.raises(pydantic.ValidationError):
        rw.arguments_for(target, [{"body": {}}], lambda: STATE)


def test_unannotated_arguments_read_as_dicts_and_attributes() -> None:
    (raw,) = rw.FrameReader().feed(rw.encode_frame({"body": {"user": {"name": "Ada"}}}))
    (req,) = rw.arguments_for(_target("def h(req):\n    pass"), [raw], lambda: STATE)
    assert req["body"]["user"]["name"] == "Ada"
    assert req.body.user.name == "Ada"
    with pytest.raises(AttributeError):
        _ = req.missing


# ------------------------------------------------------------------------------------------------
# running handlers in-process


# "first calls": handlers imported by the call itself; "imported": already resolved, as after
# preload, so plain defs go straight to the worker's threads.
@pytest.mark.parametrize("imported", [False, True], ids=["first calls", "imported"])
def test_async_handlers_run_concurrently_and_sync_ones_do_not_block_the_loop(tmp_path: Path, imported: bool) -> None:
    src = write_project(
        tmp_path,
        {
            "handlers/api/slow.py": "import asyncio\nasync def handle_slow(req):\n    await asyncio.sleep(0.5)\n    return req['n']\n",
            "handlers/api/blocking.py": "import time\ndef handle_blocking(req):\n    time.sleep(0.5)\n    return 'done'\n",
        },
    )
    use_src(src)

    async def scenario() -> float:
        harness = InProcess(src)
        await harness.start()
        if imported:
            harness.worker.registry.resolve("api", "Slow")
            harness.worker.registry.resolve("api", "Blocking")
        started = time.monotonic()
        ids = [harness.call("api", "Slow", {"n": i}) for i in range(20)]
        ids += [harness.call("api", "Blocking", {}) for _ in range(3)]
        replies = [await harness.reply(i) for i in ids]
        elapsed = time.monotonic() - started
        assert [r["result"] for r in replies[:20]] == list(range(20))
        assert all(r["result"] == "done" for r in replies[20:])
        return elapsed

    # 20 x 0.5 s async plus 3 x 0.5 s blocking: about 0.5 s when they overlap, 11.5 s if not.
    assert asyncio.run(scenario()) < 3.0


def test_plain_def_on_a_thread_logs_before_it_replies_and_times_out_at_once(tmp_path: Path) -> None:
    src = write_project(
        tmp_path,
        {
            "handlers/api/chatty.py": """
                def handle_chatty(req, state):
                    for n in range(20):
                        state.logger.info(f"line {n}")
                    return req["n"]
            """,
            "handlers/api/stuck.py": "import time\ndef handle_stuck(req):\n    time.sleep(0.6)\n    return 'late'\n",
        },
    )
    use_src(src)

    async def scenario() -> None:
        harness = InProcess(src)
        await harness.start()
        harness.worker.registry.resolve("api", "Chatty")
        harness.worker.registry.resolve("api", "Stuck")
        ids = [harness.call("api", "Chatty", {"n": n}) for n in range(10)]
        for n, call_id in enumerate(ids):
            assert (await harness.reply(call_id))["result"] == n
            mine = [f for f in harness.frames if f.get("id") == call_id]
            assert [f.get("msg") for f in mine] == [f"line {i}" for i in range(20)] + [None]
        stuck = harness.call("api", "Stuck", {})
        await asyncio.sleep(0.05)
        started = time.monotonic()
        harness.worker.dispatch({"t": "cancel", "id": stuck})
        reply = await harness.reply(stuck)
        assert time.monotonic() - started < 0.3
        assert reply["t"] == "err" and reply["error"]["type"] == "TimeoutError"
        await asyncio.sleep(0.8)  # the thread finished meanwhile: its late result is dropped
        assert len(harness.for_call(stuck, "ok")) == 0 and len(harness.for_call(stuck, "err")) == 1

    asyncio.run(scenario())


def test_logger_trigger_event_and_set_payload_reach_the_bridge_in_order(tmp_path: Path) -> None:
    src = write_project(
        tmp_path,
        {
            "handlers/api/create_user.py": """
                async def handle_create_user(req, state):
                    state.logger.info("creating %s", req.body["name"], plan="pro")
                    state.logger.warning("careful")
                    state.trigger_event("UserCreated", {"name": req.body["name"]})
                    state.set_payload("WelcomeQueued", {"to": req.body["name"]})
                    assert [t.event_name for t in state.get_triggers()] == ["UserCreated"]
                    assert state.get_auto_trigger_payload("WelcomeQueued") == {"to": req.body["name"]}
                    return {"trace": state.trace_id}
            """,
        },
    )
    use_src(src)

    async def scenario() -> None:
        harness = InProcess(src)
        await harness.start()
        call_id = harness.call("api", "CreateUser", {"body": {"name": "Ada"}}, trace_id="abc123")
        reply = await harness.reply(call_id)
        assert reply["result"] == {"trace": "abc123"}
        mine = [f for f in harness.frames if f.get("id") == call_id]
        assert [f["t"] for f in mine] == ["log", "log", "trigger", "payload", "ok"]
        assert mine[0] == {"t": "log", "id": call_id, "level": "info", "msg": "creating Ada", "src": "logger", "attrs": {"plan": "pro"}}
        assert mine[1]["level"] == "warn"
        assert mine[2] == {"t": "trigger", "id": call_id, "event": "UserCreated", "payload": {"name": "Ada"}}
        assert mine[3] == {"t": "payload", "id": call_id, "event": "WelcomeQueued", "payload": {"to": "Ada"}}

    asyncio.run(scenario())


def test_exception_carries_type_message_and_the_users_traceback(tmp_path: Path) -> None:
    src = write_project(
        tmp_path,
        {
            "handlers/api/explode.py": """
                def helper(value):
                    raise ValueError(f"bad value {value}")

                async def handle_explode(req):
                    helper(42)
            """,
            "handlers/api/explode_sync.py": """
                def handle_explode_sync(req):
                    raise KeyError("missing")
            """,
            "handlers/api/forbidden.py": """
                class Forbidden(Exception):
                    status = 403

                def handle_forbidden(req):
                    raise Forbidden("no entry")
            """,
        },
    )
    use_src(src)

    async def scenario() -> None:
        harness = InProcess(src)
        await harness.start()
        error = (await harness.reply(harness.call("api", "Explode", {})))["error"]
        assert error["type"] == "ValueError" and error["message"] == "bad value 42"
        tb = error["traceback"]
        assert tb.startswith("Traceback (most recent call last):")
        assert f'{src / "handlers/api/explode.py"}", line 5, in handle_explode' in tb
        assert 'line 2, in helper' in tb
        assert "rohas_worker.py" not in tb  # the worker's own frames are left out
        sync = (await harness.reply(harness.call("api", "ExplodeSync", {})))["error"]
        # A plain def runs in a thread; the traceback still starts at the user's frame.
        assert sync["traceback"].splitlines()[1].startswith(f'  File "{src / "handlers/api/explode_sync.py"}", line 2')
        forbidden = (await harness.reply(harness.call("api", "Forbidden", {})))["error"]
        assert (forbidden["type"], forbidden["status"]) == ("Forbidden", 403)

    asyncio.run(scenario())


def test_only_the_apis_own_response_model_is_unwrapped() -> None:
    class CreateUserResponse(pydantic.BaseModel):
        data: dict[str, int]

    class Other(pydantic.BaseModel):
        data: int

    response = CreateUserResponse(data={"id": 1})
    assert rw.unwrap_response("CreateUser", response) == {"id": 1}
    assert rw.unwrap_response("GetUser", response) is response
    assert rw.unwrap_response("CreateUser", {"data": 1}) == {"data": 1}
    other = Other(data=1)
    assert rw.unwrap_response("Other", other) is other


def test_a_missing_handler_is_an_error_naming_file_and_function(tmp_path: Path) -> None:
    src = write_project(tmp_path, {})
    use_src(src)

    async def scenario() -> None:
        harness = InProcess(src)
        await harness.start()
        error = (await harness.reply(harness.call("api", "Nope", {})))["error"]
        assert error["type"] == "HandlerNotFound"
        assert "handlers/api/nope.py" in error["message"] and "handle_nope(req, state)" in error["message"]

    asyncio.run(scenario())


def test_cancel_ends_a_call_with_a_timeout_error_and_others_carry_on(tmp_path: Path) -> None:
    src = write_project(
        tmp_path,
        {
            "handlers/api/hang.py": "import asyncio\nasync def handle_hang(req):\n    await asyncio.sleep(60)\n",
            "handlers/api/quick.py": "async def handle_quick(req):\n    return 'quick'\n",
        },
    )
    use_src(src)

    async def scenario() -> None:
        harness = InProcess(src)
        await harness.start()
        hang = harness.call("api", "Hang", {})
        await asyncio.sleep(0.05)
        harness.worker.dispatch({"t": "cancel", "id": hang})
        error = (await harness.reply(hang, timeout=5))["error"]
        assert error["type"] == "TimeoutError"
        assert "line 3, in handle_hang" in error["traceback"]  # where it was waiting
        assert (await harness.reply(harness.call("api", "Quick", {})))["result"] == "quick"

    asyncio.run(scenario())


def test_resolve_answers_with_problems(tmp_path: Path) -> None:
    src = write_project(tmp_path, {"middlewares/auth.py": "def auth_middleware(context, state):\n    return None\n"})
    use_src(src)

    async def scenario() -> None:
        harness = InProcess(src)
        await harness.start()
        harness.worker.dispatch({"t": "resolve", "id": 99, "handlers": [{"kind": "middleware", "name": "auth"}, {"kind": "cron", "name": "Nightly"}]})
        await asyncio.sleep(0.01)  # frames leave at the end of the loop turn
        (resolved,) = [f for f in harness.frames if f["t"] == "resolved"]
        assert resolved["id"] == 99
        assert [(p["kind"], p["name"], p["reason"]) for p in resolved["problems"]] == [("cron", "Nightly", "missing-file")]

    asyncio.run(scenario())


# ------------------------------------------------------------------------------------------------
# the real process


def test_print_and_raw_fd_writes_become_logs_without_corrupting_frames(tmp_path: Path) -> None:
    src = write_project(
        tmp_path,
        {
            "handlers/api/noisy.py": """
                import os, sys, logging
                print("module imported")

                def handle_noisy(req):
                    print("hello", "from", "print")
                    print("partial line", end="")
                    sys.stderr.write("to stderr\\n")
                    os.write(1, b"raw bytes on fd 1\\n")
                    logging.getLogger("app").warning("via logging")
                    return {"ok": True}
            """,
        },
    )
    worker = Subprocess(src)
    try:
        call_id = worker.call("api", "Noisy", {})
        assert worker.reply(call_id)["result"] == {"ok": True}
        logs = [f for f in worker.frames if f["t"] == "log"]
        by_message = {f["msg"]: f for f in logs}
        assert by_message["module imported"]["id"] == call_id  # imported lazily, during the call
        assert by_message["hello from print"] == {"t": "log", "id": call_id, "level": "info", "msg": "hello from print", "src": "stdout"}
        assert by_message["partial line"]["id"] == call_id  # flushed when the call ended
        assert by_message["to stderr"]["level"] == "warn"
        assert by_message["via logging"]["level"] == "warn" and by_message["via logging"]["attrs"] == {"logger": "app"}
        # The protocol survived: another call still works.
        assert worker.reply(worker.call("api", "Noisy", {}))["result"] == {"ok": True}
    finally:
        assert worker.close() == 0
    assert "raw bytes on fd 1" in worker.stderr()


@pytest.mark.parametrize("wire", ["batch", "one frame per call"])
def test_calls_are_acknowledged_before_any_of_them_starts(tmp_path: Path, wire: str) -> None:
    src = write_project(tmp_path, {"handlers/api/echo.py": "def handle_echo(req):\n    return req['n']\n"})
    worker = Subprocess(src)
    try:
        if wire == "batch":
            batch = rw.encode_frame([[n, "api", "Echo", [{"n": n}], "t", "s"] for n in (1, 2, 3)])
        else:
            batch = b"".join(
                rw.encode_frame({"t": "call", "id": n, "kind": "api", "name": "Echo", "args": [{"n": n}], "trace": {}}) for n in (1, 2, 3)
            )
        assert worker.proc.stdin is not None
        worker.proc.stdin.write(batch)
        worker.proc.stdin.flush()
        for n in (1, 2, 3):
            assert worker.reply(n)["result"] == n
        # The acknowledgement came first: the bridge knows which calls a crash would have cut short.
        kinds = [(f["t"], f.get("upto", f.get("id"))) for f in worker.arrivals if f["t"] != "ready"]
        assert kinds[0] == ("rx", 3)
        assert sorted(kinds[1:]) == [("ok", 1), ("ok", 2), ("ok", 3)]
    finally:
        worker.close()


def test_with_an_ack_file_calls_are_acknowledged_there_before_any_of_them_starts(tmp_path: Path) -> None:
    ack = tmp_path / "ack"
    ack.write_bytes(bytes(8))
    # Each call reports what the ack file said while it ran.
    src = write_project(tmp_path, {"handlers/api/peek.py": f"def handle_peek(req):\n    return int.from_bytes(open({str(ack)!r}, 'rb').read(), 'little')\n"})
    worker = Subprocess(src, extra=("--ack", str(ack)))
    try:
        assert worker.proc.stdin is not None
        worker.proc.stdin.write(rw.encode_frame([[n, "api", "Peek", [{}], "t", "s"] for n in (1, 2, 3)]))
        worker.proc.stdin.flush()
        assert [worker.reply(n)["result"] for n in (1, 2, 3)] == [3, 3, 3]
        worker.proc.stdin.write(rw.encode_frame([[4, "api", "Peek", [{}], "t", "s"]]))
        worker.proc.stdin.flush()
        assert worker.reply(4)["result"] == 4
        assert not [f for f in worker.arrivals if f["t"] == "rx"]  # no frame, no wake-up of the bridge
    finally:
        worker.close()
    assert int.from_bytes(ack.read_bytes(), "little") == 4  # still there once the process is gone


def test_results_of_calls_that_return_together_share_one_frame(tmp_path: Path) -> None:
    src = write_project(tmp_path, {"handlers/api/echo.py": "async def handle_echo(req):\n    return req['n']\n"})
    worker = Subprocess(src)
    try:
        worker.reply(worker.call("api", "Echo", {"n": 0}))  # imported: the next calls run inline
        assert worker.proc.stdin is not None
        worker.proc.stdin.write(rw.encode_frame([[n, "api", "Echo", [{"n": n}], "t", "s"] for n in range(1, 51)]))
        worker.proc.stdin.flush()
        raw: list[Any] = []
        while sum(len(f) for f in raw if isinstance(f, list)) < 50:
            assert worker.proc.stdout is not None
            select.select([worker.proc.stdout], [], [], 15)
            raw.extend(worker.reader.feed(os.read(worker.proc.stdout.fileno(), 65536)))
        assert [f for f in raw if isinstance(f, list)] == [[[n, n] for n in range(1, 51)]]
    finally:
        worker.close()


def test_end_of_input_lets_in_flight_calls_finish_then_exits(tmp_path: Path) -> None:
    src = write_project(tmp_path, {"handlers/api/slow.py": "import asyncio\nasync def handle_slow(req):\n    await asyncio.sleep(0.3)\n    return 'finished'\n"})
    worker = Subprocess(src)
    call_id = worker.call("api", "Slow", {})
    assert worker.proc.stdin is not None
    worker.proc.stdin.close()
    assert worker.reply(call_id)["result"] == "finished"
    assert worker.proc.wait(timeout=15) == 0


def test_stdin_reads_nothing_for_handlers(tmp_path: Path) -> None:
    src = write_project(tmp_path, {"handlers/api/reader.py": "import sys\ndef handle_reader(req):\n    return sys.stdin.read()\n"})
    worker = Subprocess(src)
    try:
        assert worker.reply(worker.call("api", "Reader", {}))["result"] == ""
    finally:
        worker.close()


def test_generated_package_and_sibling_modules_import_from_src(tmp_path: Path) -> None:
    src = write_project(
        tmp_path,
        {
            "generated/__init__.py": "",
            "generated/api/__init__.py": "",
            "generated/api/create_user.py": """
                from pydantic import BaseModel
                class CreateUserInput(BaseModel):
                    name: str
                class CreateUserRequest(BaseModel):
                    body: CreateUserInput
                    query_params: dict = {}
                class CreateUserResponse(BaseModel):
                    data: dict
            """,
            "helpers.py": "def shout(s):\n    return s.upper()\n",
            "handlers/api/create_user.py": """
                from generated.api.create_user import CreateUserRequest, CreateUserResponse
                from helpers import shout

                async def handle_create_user(req: CreateUserRequest) -> CreateUserResponse:
                    return CreateUserResponse(data={"name": shout(req.body.name)})
            """,
        },
    )
    worker = Subprocess(src, python=sys.executable)
    try:
        reply = worker.reply(worker.call("api", "CreateUser", {"body": {"name": "ada"}, "query_params": {}}))
        # A generated <Name>Response carries the body in `data`: the body is what goes back.
        assert reply == {"t": "ok", "id": 1, "result": {"name": "ADA"}}
        bad = worker.reply(worker.call("api", "CreateUser", {"body": {}, "query_params": {}}))
        assert bad["error"]["type"] == "ValidationError" and bad["error"]["status"] == 400
    finally:
        worker.close()
