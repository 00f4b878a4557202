"""The house's layers, checked: one place commits, the modules import each other without a
circle, and the request's unit of work holds (saraban/transaction.py).

The boundary tests run against a database of their own (the migrations on a fresh SQLite
file, and on a throwaway PostgreSQL database when SARABAN_TEST_DATABASE_URL is set), with
real commits, and read what was kept through a second connection: the usual test session
rolls everything back and so could not tell a commit from a flush.
"""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import DATABASES, PG_URL, RAN, _PgDatabase, make_user

SARABAN = Path(__file__).resolve().parent.parent / "saraban"

# -- (a) one place commits ------------------------------------------------------------------

# (file, function) pairs that may commit: the boundary itself, and begin_write's end of a
# read-only snapshot on SQLite.
ALLOWED_COMMITS = {("transaction.py", None), ("db.py", "begin_write")}
# Files other helpers move onto the boundary this round: the lead empties this at merge.
PENDING_COMMITS: set[str] = set()


def _commit_calls() -> list[tuple[str, str | None, int]]:
    """(file relative to saraban/, enclosing function, line) of every ``.commit()``."""
    found = []
    for path in sorted(SARABAN.rglob("*.py")):
        rel = path.relative_to(SARABAN).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function, node in _calls(tree, None):
            if isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
                found.append((rel, function, node.lineno))
    return found


def _calls(node, function):
    for child in ast.iter_child_nodes(node):
        inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) \
            else function
        if isinstance(child, ast.Call):
            yield inner, child
        yield from _calls(child, inner)


def _allowed(rel: str, function: str | None) -> bool:
    return (rel, None) in ALLOWED_COMMITS or (rel, function) in ALLOWED_COMMITS


def _pending(rel: str) -> bool:
    return any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in PENDING_COMMITS)


def test_only_the_boundary_commits():
    calls = _commit_calls()
    stray = [f"saraban/{rel}:{line} ({function})" for rel, function, line in calls
             if not _allowed(rel, function) and not _pending(rel)]
    pending = sum(1 for rel, function, _ in calls if _pending(rel) and not _allowed(rel, function))
    print(f"commit calls: {len(calls)} in all, {pending} in files still PENDING")
    assert not stray, "commit outside saraban/transaction.py: " + ", ".join(stray)


def test_the_commit_check_sees_a_commit():
    """The check above finds a commit wherever it is written (else it could never fail)."""
    tree = ast.parse("def view():\n    db.session.commit()\n")
    assert [(f, n.func.attr) for f, n in _calls(tree, None)
            if isinstance(n.func, ast.Attribute)] == [("view", "commit")]
    assert not _allowed("documents/views.py", "view") and _allowed("db.py", "begin_write")


# -- (b) no import cycle ---------------------------------------------------------------------

# The api package imports its handlers from its __init__ and they import bp from it: the
# api-contract helper untangles it this round.
PENDING_CYCLES: tuple[str, ...] = ()


def _modules() -> dict[str, Path]:
    out = {}
    for path in SARABAN.rglob("*.py"):
        parts = list(path.relative_to(SARABAN.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules, *, everywhere: bool = False) -> set[str]:
    """The saraban modules ``name`` imports at import time (the statements of the module's
    own body; ``everywhere``: inside functions too), with the packages they sit in."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets: set[str] = set()
    for node in (ast.walk(tree) if everywhere else tree.body):
        if isinstance(node, ast.Import):
            targets.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1]
                                + ([node.module] if node.module else []))
            targets.add(base)
            targets.update(f"{base}.{a.name}" for a in node.names)
    out = set()
    for target in targets:
        bits = target.split(".")
        for i in range(2, len(bits) + 1):  # saraban.x.y imports saraban.x first
            if ".".join(bits[:i]) in modules:
                out.add(".".join(bits[:i]))
    out.discard(name)
    return out


def import_cycles() -> list[list[str]]:
    """The circles of module-level imports among saraban's modules (strongly connected
    components of more than one module)."""
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v):  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycle():
    cycles = import_cycles()
    for cycle in cycles:
        print(f"import cycle of {len(cycle)}: {', '.join(cycle)}")
    left = [c for c in cycles if not all(m.startswith(PENDING_CYCLES) for m in c)]
    assert not left, left


def test_the_cycle_check_sees_a_cycle(tmp_path, monkeypatch):
    """Two modules that import each other at the top are found (else it could not fail)."""
    package = tmp_path / "saraban"
    (package / "a").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a" / "__init__.py").write_text("")
    (package / "a" / "views.py").write_text("from saraban.web import helper\n")
    (package / "web.py").write_text("from saraban.a.views import bp\n")
    monkeypatch.setattr(f"{__name__}.SARABAN", package)
    assert import_cycles() == [["saraban.a.views", "saraban.web"]]


def test_nothing_imports_the_web_wiring_but_create_app():
    """web.py wires the views into the app; a view that imported it (for a helper) would
    close the circle web.py -> views -> web.py. The helpers live in saraban/pages.py."""
    modules = _modules()
    importers = sorted(name for name, path in modules.items()
                       if "saraban.web" in _imports(name, path, modules, everywhere=True))
    assert importers == ["saraban"], importers


def test_the_page_helpers_are_a_leaf():
    """saraban/pages.py imports only Flask, the extensions, the validation errors and the
    document access rule (and what they import): never a view, so any view may use it."""
    modules = _modules()
    direct = _imports("saraban.pages", modules["saraban.pages"], modules, everywhere=True)
    assert direct <= {"saraban.extensions", "saraban.validation", "saraban.documents",
                      "saraban.documents.access"}, direct
    seen, todo = set(), list(direct)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_imports(name, modules[name], modules))
    views = sorted(m for m in seen if m.endswith(".views") or m.startswith("saraban.api"))
    assert not views, views


# -- (c) the request's unit of work ----------------------------------------------------------

@pytest.fixture(scope="module", params=DATABASES)
def fresh(request, tmp_path_factory):
    """An application on a database of its own, migrated, with test-only routes that
    write and then fail in each way a request can."""
    from flask import abort
    from flask_migrate import upgrade

    from saraban import create_app
    from saraban.extensions import db
    from saraban.pages import run_operation
    from saraban.ratelimit import allow
    from saraban.transaction import commit_early
    from saraban.units.models import Unit
    from saraban.validation import OperationError

    pg = _PgDatabase(PG_URL) if request.param == "postgresql" else None
    url = pg.create() if pg else \
        f"sqlite:///{tmp_path_factory.mktemp('boundary') / 'saraban.sqlite3'}"
    test_app = create_app({
        "ENV": "testing", "SECRET_KEY": "test-" + uuid.uuid4().hex,
        "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "SYSADMIN_TOTP": False,
        "DATA_DIR": str(tmp_path_factory.mktemp("boundary-data")),
        "FILE_KEYS_DIR": str(tmp_path_factory.mktemp("boundary-keys")),
        "REDIS_URL": None,  # the rate limits count in this database (ratelimit.py)
    })

    def write(name: str) -> None:
        db.session.add(Unit(short_name=name, name_th=name))
        db.session.flush()

    @test_app.post("/_test/ok/<name>")
    def ok(name):
        write(name)
        return "written"

    @test_app.post("/_test/raise/<name>")
    def raise_after_write(name):
        write(name)
        raise RuntimeError("a fault after the write")

    @test_app.post("/_test/abort/<name>")
    def abort_after_write(name):
        write(name)
        abort(403)

    @test_app.post("/_test/refused/<name>")
    def refused(name):
        def action():
            write(name)
            raise OperationError("ไม่อนุญาต", "Refused.")

        assert run_operation(action, "บันทึกแล้ว") is None
        return "refused", 400

    @test_app.post("/_test/early/<name>")
    def early(name):
        write(name + "-before")
        commit_early("the test's number before the slow step")
        write(name + "-after")
        raise RuntimeError("the slow step failed")

    @test_app.post("/_test/two-operations/<name>")
    def two_operations(name):
        from saraban.db import begin_write

        write(name + "-first")  # one operation flushed its writes (run_operation flushes)
        begin_write(db.session)  # the next begins its writing part: no commit of the first
        write(name + "-second")
        raise RuntimeError("the second operation failed")

    @test_app.post("/_test/counted/<key>")
    def counted(key):
        allow(f"test:{key}", 5, 60.0)
        raise RuntimeError("refused after the count")

    with test_app.app_context():
        upgrade()
        db.session.remove()
    test_app.config["DB_URL"] = url
    test_app.config["DB_NAME"] = request.param
    reader = create_engine(url)
    test_app.config["READER"] = reader
    try:
        yield test_app
    finally:
        reader.dispose()
        with test_app.app_context():
            db.session.remove()
            db.engine.dispose()
        if pg:
            pg.drop()


def _kept(fresh, sql: str, **params):
    """What a second connection reads: only what was committed."""
    RAN.add(fresh.config["DB_NAME"])
    with fresh.config["READER"].connect() as connection:
        return connection.execute(text(sql), params).all()


def _units(fresh, name: str) -> list[str]:
    return [r[0] for r in _kept(fresh, "SELECT short_name FROM unit WHERE short_name LIKE :n",
                                n=f"{name}%")]


def _name() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def test_a_successful_request_is_committed(fresh):
    name = _name()
    assert fresh.test_client().post(f"/_test/ok/{name}").status_code == 200
    assert _units(fresh, name) == [name]


def test_a_view_that_wrote_then_raised_leaves_nothing(fresh):
    name = _name()
    assert fresh.test_client().post(f"/_test/raise/{name}").status_code == 500
    assert _units(fresh, name) == []


def test_begin_write_after_a_flushed_operation_commits_nothing(fresh):
    # begin_write ends a read-only snapshot on SQLite with a commit: after an earlier
    # operation of the same request flushed its writes, that commit would have kept the
    # first half of a request that then failed
    name = _name()
    assert fresh.test_client().post(f"/_test/two-operations/{name}").status_code == 500
    assert _units(fresh, name) == []


def test_an_abort_after_a_write_leaves_nothing(fresh):
    name = _name()
    assert fresh.test_client().post(f"/_test/abort/{name}").status_code == 403
    assert _units(fresh, name) == []


def test_a_refused_operation_leaves_nothing_and_says_why(fresh):
    name = _name()
    client = fresh.test_client()
    assert client.post(f"/_test/refused/{name}").status_code == 400
    assert _units(fresh, name) == []
    with client.session_transaction() as session:
        assert [m for _, m in session["_flashes"]] == ["ไม่อนุญาต"]  # never "บันทึกแล้ว"


def test_an_early_commit_keeps_what_came_before_it_only(fresh):
    name = _name()
    assert fresh.test_client().post(f"/_test/early/{name}").status_code == 500
    assert _units(fresh, name) == [f"{name}-before"]


def test_a_rate_limit_count_stays_when_the_request_fails(fresh):
    key = uuid.uuid4().hex[:12]
    assert fresh.test_client().post(f"/_test/counted/{key}").status_code == 500
    assert [r[0] for r in _kept(fresh, "SELECT hits FROM rate_limit_counter WHERE key LIKE :k",
                                k=f"%{key}%")] == [1]


def _account(fresh, password: str = "รหัสผ่าน-ทดสอบ-1") -> str:
    from saraban.extensions import db
    from saraban.transaction import unit_of_work

    with fresh.app_context(), unit_of_work():
        return make_user(db.session, password=password).username


def test_a_wrong_password_is_counted_and_recorded(fresh):
    """The real login page: the count committed early, the refusal by the boundary."""
    username = _account(fresh)
    client = fresh.test_client()
    answer = client.post("/login", data={"username": username, "password": "ผิด-ผิด-ผิด"})
    assert answer.status_code == 200 and "ไม่ถูกต้อง" in answer.get_data(as_text=True)
    assert _kept(fresh, "SELECT failed_logins FROM user_account WHERE username = :u",
                 u=username) == [(1,)]
    assert len(_kept(fresh, "SELECT e.id FROM audit_event e JOIN user_account u "
                            "ON u.id = e.object_id WHERE e.action = 'login.failed' "
                            "AND u.username = :u", u=username)) == 1


def test_logging_in_and_out_is_committed(fresh):
    username = _account(fresh)
    client = fresh.test_client()

    def token():
        return _kept(fresh, "SELECT session_token FROM user_account WHERE username = :u",
                     u=username)[0][0]

    answer = client.post("/login", data={"username": username, "password": "รหัสผ่าน-ทดสอบ-1"})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert _kept(fresh, "SELECT last_login_at IS NOT NULL FROM user_account WHERE username = :u",
                 u=username)[0][0]
    before = token()
    assert client.post("/logout").status_code == 302
    assert token() != before  # every session of his ended, for every worker
