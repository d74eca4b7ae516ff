#!/usr/bin/python3
"""The man pages against the code (make check, tests/check/manpages.sh).

- every keyword the configuration parser accepts (bgpd/conf/parse*.c:
  the rows of its keyword tables, the words it takes with accept_word()
  or compares with strcmp(), its option-word arrays) appears in
  bgpwatchd.conf(5) as an argument of an Ic or Cm macro;
- every command of the daemon's control table (bgpd/ctl/control*.c:
  rows { "show", "neighbors", fn }) and every first word bgpwatchctl
  itself knows is the start of an `.It Cm ...` line of bgpwatchctl(8);
- every option letter in the getopt strings of bgpwatchd, bgpwatchctl
  and bgpfeed appears as `Fl X` in that program's page.
Prints what is missing and exits 1, or prints a summary and exits 0.
  tools/mancheck.py [TOP]
"""
import glob
import os
import re
import sys

TOP = sys.argv[1] if len(sys.argv) > 1 else "."
WORD = r'[a-z][a-z0-9-]*'


def read(path):
    with open(os.path.join(TOP, path), encoding="utf-8") as f:
        return f.read()


def parser_keywords():
    kws = {}
    for path in sorted(glob.glob(os.path.join(TOP, "bgpd/conf/parse*.c"))):
        src = open(path, encoding="utf-8").read()
        name = os.path.relpath(path, TOP)
        # Keyword table rows: { "name", handler, flags }.
        for m in re.finditer(r'\{\s*"(%s)",\s*[a-z_][a-z0-9_]*,' % WORD, src):
            kws.setdefault(m.group(1), name)
        # Sub-words: accept_word(p, "port"), strcmp(x, "unix") == 0.
        for m in re.finditer(r'accept_word\(\s*\w+,\s*"(%s)"\)' % WORD, src):
            kws.setdefault(m.group(1), name)
        for m in re.finditer(r'strcmp\([^;]*?,\s*"(%s)"\)\s*[!=]=\s*0' % WORD,
                             src):
            kws.setdefault(m.group(1), name)
        # Option-word arrays: static const char *opts[] = { "port", ... }.
        for m in re.finditer(r'const\s+char\s*\*\s*(?:const\s+)?\w+\[\]\s*=\s*'
                             r'\{([^}]*)\}', src):
            for w in re.findall(r'"(%s)"' % WORD, m.group(1)):
                kws.setdefault(w, name)
    return kws


MACRO = re.compile(r'^[A-Z][a-z][a-z]?$|^%[A-Z]$')


def mdoc_lines(page):
    for line in read(page).splitlines():
        if line.startswith(".") and not line.startswith(".\\\""):
            yield line[1:].split()


def macro_words(page, macros=("Ic", "Cm")):
    """Words given to Ic/Cm anywhere in the page."""
    words = set()
    for toks in mdoc_lines(page):
        on = False
        for t in toks:
            if MACRO.match(t):
                on = t in macros
            elif on:
                words.add(t.strip('",;:.()'))
    return words


def item_commands(page):
    """The Cm words at the start of each `.It` line, as tuples."""
    out = []
    for toks in mdoc_lines(page):
        if not toks or toks[0] != "It":
            continue
        words, on = [], False
        for t in toks[1:]:
            if MACRO.match(t):
                if t not in ("Cm", "Ar", "Op", "Oo", "Oc", "Fl"):
                    break
                on = t == "Cm"
            elif on:
                words.append(t)
        out.append(tuple(words))
    return out


def control_commands():
    cmds = set()
    for path in glob.glob(os.path.join(TOP, "bgpd/ctl/control*.c")):
        src = open(path, encoding="utf-8").read()
        for m in re.finditer(r'\{\s*"(%s)",\s*(?:"(%s)"|NULL),\s*\w+\s*\}'
                             % (WORD, WORD), src):
            cmds.add((m.group(1),) + ((m.group(2),) if m.group(2) else ()))
    src = read("bgpctl/bgpwatchctl.c")
    m = re.search(r'first\[\]\s*=\s*\{([^}]*)\}', src)
    if m:
        for w in re.findall(r'"(%s)"' % WORD, m.group(1)):
            if not any(c[0] == w for c in cmds):
                cmds.add((w,))
    return cmds


def getopt_letters(path):
    src = read(path)
    letters = set()
    for m in re.finditer(r'getopt(?:_long)?\(\s*argc,\s*argv,\s*"\+?([^"]*)"',
                         src):
        letters |= set(c for c in m.group(1) if c.isalnum())
    return letters


def flags(page):
    out = set()
    for toks in mdoc_lines(page):
        on = False
        for t in toks:
            if MACRO.match(t):
                on = t == "Fl"
            elif on:
                out.add(t.strip(",;"))
    return out


def main():
    missing = []
    kws = parser_keywords()
    conf_words = macro_words("docs/man/bgpwatchd.conf.5")
    for k in sorted(kws):
        if k not in conf_words:
            missing.append("bgpwatchd.conf(5): keyword %r (%s) is not "
                           "documented (as Ic or Cm)" % (k, kws[k]))
    cmds = control_commands()
    items = item_commands("docs/man/bgpwatchctl.8")
    for c in sorted(cmds):
        if not any(i[:len(c)] == c for i in items):
            missing.append("bgpwatchctl(8): command %r has no `.It Cm %s` "
                           "entry" % (" ".join(c), " ".join(c)))
    pages = {"bgpd/bgpwatchd.c": "docs/man/bgpwatchd.8",
             "bgpctl/bgpwatchctl.c": "docs/man/bgpwatchctl.8",
             "bgpfeed/bgpfeed.c": "docs/man/bgpfeed.1"}
    for src, page in pages.items():
        have = flags(page)
        for letter in sorted(getopt_letters(src)):
            if letter not in have:
                missing.append("%s: option -%s (%s) is not documented"
                               % (os.path.basename(page), letter, src))
    for m in missing:
        print("mancheck: " + m)
    if missing:
        return 1
    print("mancheck: %d configuration keywords, %d control commands and "
          "the options of 3 programs are documented" % (len(kws), len(cmds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
