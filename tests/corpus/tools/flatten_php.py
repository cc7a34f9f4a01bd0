"""Flatten a PHP page of a site repository into one static HTML document, mechanically.

Used once, by hand, to make the corpus pages in tests/corpus/procedures/pages/ (not by the tests).
Rule (as in ../shared/corpus/procedures/SOURCES.md): every PHP block that holds literal
include/require statements is replaced by the included files, themselves processed the same way;
every other PHP block is removed; all other bytes are kept as they are.

    python3 tests/corpus/tools/flatten_php.py GIT_DIR COMMIT PATH OUT ['echo $content=VIEW.php' ...]
"""
from __future__ import annotations

import posixpath
import re
import subprocess
import sys

PHP_BLOCK = re.compile(rb"<\?(?:php\b|=|(?=\s))(.*?)(?:\?>|\Z)", re.S)
LITERAL_INCLUDE = re.compile(
    rb"""\b(?:include|require)(?:_once)?\s*\(?\s*(?:(?:dirname\(__FILE__\)|__DIR__)\s*\.\s*)?(['"])([^'"$]+)\1\s*\)?\s*;?""",
    re.I,
)  # a literal path, optionally prefixed by the including file's directory (dirname(__FILE__) / __DIR__)
PHP_COMMENT = re.compile(rb"/\*.*?\*/|(?://|#)[^\n]*", re.S)
# WordPress theme templates include their parts by fixed name: get_header() is header.php,
# get_footer() footer.php, get_sidebar() sidebar.php, get_template_part('x') x.php (theme root).
WP_INCLUDE = re.compile(rb"""\b(get_header|get_footer|get_sidebar)\(\s*\)|\bget_template_part\(\s*(['"])([^'"$]+)\2\s*\)""")


def show(git_dir: str, commit: str, path: str) -> bytes | None:
    """Return the bytes of PATH at COMMIT, or None when the file is not there."""
    r = subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], capture_output=True)
    return r.stdout if r.returncode == 0 else None


def flatten(git_dir: str, commit: str, path: str, used: list[str], depth: int = 0,
            slots: dict[bytes, str] | None = None) -> bytes:
    """Return PATH with literal includes inlined (recursively) and other PHP blocks removed.

    slots maps the exact code of a PHP block (e.g. b"echo $content") to a file shown there: the
    way a site's template shows its page view (resolved by hand, recorded in SOURCES.md)."""
    slots = slots or {}
    src = show(git_dir, commit, path)
    if src is None:
        raise FileNotFoundError(path)
    base = posixpath.dirname(path)

    def repl(m: re.Match) -> bytes:
        out = b""
        code = m.group(1).strip().rstrip(b";").strip()
        if code in slots:
            used.append(slots[code])
            return flatten(git_dir, commit, slots[code], used, depth + 1, slots)
        code = PHP_COMMENT.sub(b"", m.group(1))  # an include in a comment is not executed
        incs = sorted([(i.start(), i.group(2).decode(), i.group(0).count(b"__") > 0)
                       for i in LITERAL_INCLUDE.finditer(code)]
                      + [(i.start(), (i.group(1) or b"").decode().replace("get_", "") + ".php"
                          if i.group(1) else i.group(3).decode() + ".php", True)
                         for i in WP_INCLUDE.finditer(code)])
        for _, target, rooted in incs:
            rel = target.lstrip("/") if rooted else target
            for cand in (posixpath.normpath(posixpath.join(base, rel)), posixpath.normpath(rel)):
                if show(git_dir, commit, cand) is not None:
                    used.append(cand)
                    out += flatten(git_dir, commit, cand, used, depth + 1, slots)
                    break
            else:
                print(f"  missing include {target!r} in {path}", file=sys.stderr)
        return out

    if depth > 8:
        raise RecursionError(path)
    return PHP_BLOCK.sub(repl, src)


def main() -> None:
    git_dir, commit, path, out = sys.argv[1:5]
    slots = {k.encode(): v for k, v in (a.split("=", 1) for a in sys.argv[5:])}
    used: list[str] = []
    data = flatten(git_dir, commit, path, used, slots=slots)
    with open(out, "wb") as fh:
        fh.write(data)
    print("included:", ", ".join(dict.fromkeys(used)) or "-")


if __name__ == "__main__":
    main()
