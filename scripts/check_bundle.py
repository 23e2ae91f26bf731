#!/usr/bin/env python3
"""Checks that a worker bundle holds every module its code imports (not a file count).

  python scripts/check_bundle.py build/deploy/production/api_multi

Our own code (entry.py, dreamapi/, the worker package) is checked strictly: every import outside
`TYPE_CHECKING` must resolve inside the bundle, the standard library or the runtime (`js`,
`pyodide`, `workers`). Vendored packages are checked at module level; their imports inside
functions, guarded by `try/except ImportError` or by a `sys.version_info` test are optional by
design (stripe's HTTP backends, typing_extensions' newer-Python paths).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

RUNTIME_PROVIDED = {"js", "pyodide", "pyodide_js", "workers", "_pyodide"}
OUR_PACKAGES = {"dreamapi", "api_multi", "front_auth_api", "oauth_api", "gateway", "entry"}
_GUARDS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def bundle_modules(bundle: Path) -> set[str]:
    modules = set()
    for path in bundle.rglob("*.py"):
        parts = list(path.relative_to(bundle).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            modules.add(".".join(parts))
    return modules


def _guarded(handlers: list[ast.ExceptHandler]) -> bool:
    for handler in handlers:
        if handler.type is None:
            return True
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(n, ast.Name) and n.id in _GUARDS for n in names):
            return True
    return False


def _imports(tree: ast.AST, strict: bool) -> list[tuple[int, int, str, list[str]]]:
    """(line, level, module, names) of the imports that must resolve."""
    found: list[tuple[int, int, str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Try) and _guarded(node.handlers):
            return
        if not strict and isinstance(node, ast.If) and "sys.version_info" in ast.unparse(node.test):
            return  # e.g. typing_extensions importing 3.14's annotationlib
        if not strict and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, 0, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.level, node.module or "", [a.name for a in node.names]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _resolve(module: str, level: int, importer: str, is_package: bool) -> str:
    if level == 0:
        return module
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, module] if module else base)


def problems(bundle: Path) -> list[str]:
    modules = bundle_modules(bundle)
    stdlib = set(sys.stdlib_module_names)
    found: list[str] = []
    for path in sorted(bundle.rglob("*.py")):
        relative = path.relative_to(bundle)
        importer = ".".join(relative.with_suffix("").parts)
        is_package = path.name == "__init__.py"
        importer = importer.removesuffix(".__init__")
        strict = relative.parts[0].removesuffix(".py") in OUR_PACKAGES
        for line, level, module, names in _imports(ast.parse(path.read_bytes()), strict):
            target = _resolve(module, level, importer, is_package)
            top = target.split(".")[0]
            if level == 0 and (top in stdlib or top in RUNTIME_PROVIDED or top == "__future__"):
                continue
            if target in modules:
                continue
            if names and all(f"{target}.{name}" in modules for name in names if name != "*"):
                continue
            found.append(f"{relative}:{line}: imports {target!r}, which the bundle lacks")
    return found


def main(argv: list[str] | None = None) -> int:
    bundles = [Path(arg) for arg in (argv if argv is not None else sys.argv[1:])]
    failed = False
    for bundle in bundles:
        found = problems(bundle)
        for problem in found:
            print(problem)
        verdict = "OK" if not found else f"{len(found)} missing"
        print(f"{bundle}: {len(bundle_modules(bundle))} modules, {verdict}")
        failed = failed or bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
