"""The RTL source tree: which files make a module, and the generated package.

Shared by the RTL lint (``ci.lint_rtl``) and every simulation build
(``tb.simbuild``): rtl/ is scanned for the modules and packages it declares, a
build's file list is the closure of what its top instantiates, and each
configuration's package and ROM files are generated from ``hls.generate``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RTL_DIR = REPO_ROOT / "rtl"
LINT_WAIVERS = tuple(sorted((RTL_DIR / "lint").glob("*.vlt")))
BUILD_ROOT = REPO_ROOT / "build"
GEN_ROOT = BUILD_ROOT / "gen"


_MODULE_RE = re.compile(r"^\s*module\s+(?:automatic\s+|static\s+)?([A-Za-z_]\w*)", re.MULTILINE)
_PACKAGE_RE = re.compile(r"^\s*package\s+([A-Za-z_]\w*)", re.MULTILINE)
# An instantiation: a name, then parameters (#(...)) or an instance name and "(".
_INSTANCE_RE = re.compile(r"\b([A-Za-z_]\w*)\s*(?:#\s*\(|[A-Za-z_]\w*\s*\()")


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return re.sub(r"//[^\n]*", "", text)


def declared_modules(text: str) -> list[str]:
    """The modules an HDL source text declares (comments ignored)."""
    return _MODULE_RE.findall(strip_comments(text))


def rtl_modules() -> tuple[list[Path], dict[str, Path]]:
    """rtl/ files (packages first) and the module -> file map of what they declare."""
    files = sorted(RTL_DIR.glob("*.sv")) + sorted(RTL_DIR.glob("*.v"))
    packages, others, modules = [], [], {}
    for f in files:
        text = strip_comments(f.read_text())
        (packages if _PACKAGE_RE.search(text) else others).append(f)
        for name in _MODULE_RE.findall(text):
            modules[name] = f
    return packages + others, modules


def rtl_closure(*roots: str | Path) -> list[Path]:
    """The files a build needs: each root (an rtl/ module name, or a file such as a
    tb/ bench top) and, transitively, the rtl/ file of every module instantiated in
    them (the generated modules come with the package: :func:`generated_sources`).
    Benches never list their RTL by hand, so a unit that grows a submodule needs
    no edit elsewhere."""
    _, modules = rtl_modules()
    todo: list[Path] = []
    for root in roots:
        if isinstance(root, str) and root in modules:
            todo.append(modules[root])
        elif Path(root).is_file():
            todo.append(Path(root))
        else:
            raise ValueError(f"{root!r} is neither a module of rtl/ nor a file")
    seen: list[Path] = []
    while todo:
        f = todo.pop(0).resolve()
        if f in seen:
            continue
        seen.append(f)
        text = strip_comments(f.read_text())
        own = set(_MODULE_RE.findall(text))
        for name in _INSTANCE_RE.findall(text):
            if name in modules and name not in own:
                todo.append(modules[name])
    return seen


def variant_name(config: str, overrides: tuple[tuple[str, object], ...] = ()) -> str:
    """The name of a configuration with field overrides (a build variant), e.g.
    ``tiny+top_k=1``: the folder its package is generated into."""
    return config + "".join(f"+{k}={v}" for k, v in sorted(overrides))


@functools.cache
def generated(config: str, overrides: tuple[tuple[str, object], ...] = ()):
    """Generate the package and ROM files of *config* (with the configuration
    fields of *overrides* replaced, ``((field, value), ...)``) into
    ``build/gen/<variant_name>/``: a build variant's package is as true as
    the preset's, so its RTL needs no ``-G`` override of a derived size.

    Returns ``hls.generate.GeneratedFiles`` (``.package``, ``.gelu_rom``,
    ``.modules``).
    Generated once per process.
    """
    from golden.config import load_config
    from hls.generate import generate

    out_dir = GEN_ROOT / variant_name(config, overrides)
    out_dir.mkdir(parents=True, exist_ok=True)
    return generate(load_config(config, **dict(overrides)), out_dir)


def generated_sources(gen, sources: list[Path]) -> list[Path]:
    """A build's HDL files: the generated package of *gen* (``generated()``), the
    generated modules (``hls.generate.GENERATED_MODULES``) that *sources*
    instantiate, then *sources*. Generated modules are config-independent
    wiring, but live beside the package so that every build reads them from one
    place."""
    used = set()
    for f in sources:
        used.update(_INSTANCE_RE.findall(strip_comments(Path(f).read_text())))
    modules = [path for name, path in gen.modules.items() if name in used]
    return [Path(gen.package), *modules, *sources]
