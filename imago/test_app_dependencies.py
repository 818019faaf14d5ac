"""Dependencies between the apps point one way (STYLE.md): no app imports an app that
imports it, in product code (tests and migrations aside). Another app that must hear of
something listens (a signal, a setting naming a function): articles tells the dashboard
that a paywall was shown (articles.signals), accounts asks subscriptions through
ACCOUNT_* settings, licences asks subscriptions' reading decision through
LICENCES_READER_DECISION."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRECTORIES = {"tests", "migrations", "__pycache__"}


def apps() -> list[str]:
    return sorted(path.parent.name for path in ROOT.glob("*/apps.py"))


def product_modules(app: str) -> list[Path]:
    return [
        path
        for path in (ROOT / app).rglob("*.py")
        if not SKIPPED_DIRECTORIES & set(path.relative_to(ROOT).parts)
        and not path.name.startswith("test")
    ]


def imported_modules(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Absolute names imported by a module; relative imports resolved within its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    nodes: list[ast.AST] = list(tree.body) if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
                # `from . import x`: x may be a module of the package.
                names.update(f"{module}.{alias.name}" for alias in node.names)
                names.add(module)
            elif node.module:
                names.add(node.module)
    return names


def app_imports() -> dict[str, set[str]]:
    """Which apps each app's product code imports."""
    known = set(apps())
    graph: dict[str, set[str]] = {app: set() for app in known}
    for app in known:
        for path in product_modules(app):
            for name in imported_modules(path):
                top = name.split(".")[0]
                if top in known and top != app:
                    graph[app].add(top)
    return graph


def test_no_two_apps_import_each_other():
    graph = app_imports()
    both_ways = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if a in graph[b]})
    assert both_ways == []


def test_the_walk_sees_the_apps_and_their_imports():
    # The test above passes vacuously if the walk finds nothing: it sees the known edges.
    graph = app_imports()
    assert {"accounts", "articles", "dashboard", "licences", "subscriptions", "web"} <= set(graph)
    assert "articles" in graph["dashboard"]
    assert "licences" in graph["subscriptions"]
    assert "accounts" in graph["subscriptions"]


def test_billing_and_subscription_sync_import_each_other_at_no_load():
    # Both import the customer link from subscriptions.customers; only billing imports
    # subscription_sync, so neither needs an import inside a function to load.
    sync = imported_modules(ROOT / "subscriptions" / "subscription_sync.py")
    billing = imported_modules(ROOT / "subscriptions" / "billing.py", top_level_only=True)
    assert not {name for name in sync if name.startswith("subscriptions.billing")}
    assert "subscriptions.subscription_sync" in billing
