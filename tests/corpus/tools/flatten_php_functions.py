"""Flatten a page whose template prints its header/footer through PHP functions
(include_once("lib/template.php"); cabezal(); ... footer();): each PHP block that calls a
function defined in the included template is replaced by that function's body (the literal
HTML between `function NAME(){ ?>` and the closing `<?php }`), other PHP blocks removed."""
import re, subprocess, sys
PHP = re.compile(rb"<\?(?:php\b|=|(?=\s))(.*?)(?:\?>|\Z)", re.S)
git, commit, tpl, page, out = sys.argv[1:6]
show = lambda p: subprocess.run(["git","--git-dir",git,"show",f"{commit}:{p}"],capture_output=True,check=True).stdout
t = show(tpl)
bodies = {}
pos = 0; pending = None
for m in PHP.finditer(t):
    if pending: bodies[pending] = t[pos:m.start()]
    fn = re.search(rb"function\s+(\w+)\s*\(\s*\)\s*\{\s*$", m.group(1).strip() + b"")
    pending = fn.group(1) if fn else None
    pos = m.end()
def strip(b): return PHP.sub(b"", b)
src = show(page)
def repl(m):
    code = m.group(1)
    outb = b""
    for name in re.findall(rb"\b(\w+)\s*\(\s*\)\s*;", code):
        if name in bodies: outb += strip(bodies[name])
    return outb
open(out,"wb").write(PHP.sub(repl, src))
print("functions:", [k.decode() for k in bodies])
