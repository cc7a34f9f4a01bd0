#!/bin/bash
# Byte-identity check: build every corpus with main's venv and with the branch's venv (library
# run_build, forced, in-process: the same steps `ingest build` runs), run `ingest eval --json`
# on the labelled corpora, and diff every release file, ignoring only release ids,
# created_at and timings.
set -u
export INGEST_SHARED=${INGEST_SHARED:-/work/shared} PREFECT_HOME=${PREFECT_HOME:-/tmp/prefect-same-output}
# usage: A=/work/main B=/work/wt/mybranch W=/tmp/same-output SYNTH=/tmp/synth2k benchmarks/same_output.sh
# (SYNTH: 2,000 pages from `python benchmarks/synth.py --pages 2000 --out /tmp/synth2k --seed 1`)
HERE=$(cd "$(dirname "$0")" && pwd)
A=${A:-/work/main} B=${B:-$(dirname "$HERE")} W=${W:-/tmp/same-output} SYNTH=${SYNTH:-/tmp/synth2k}
rm -rf $W; mkdir -p $W
CORPORA=${CORPORA:-"shared=/work/shared/corpus/procedures/pages tests=$A/tests/corpus/procedures/pages all=/work/corpus/all/pages realworld=/work/shared/corpus/realworld raw=$A/raw seeds=/work/shared/seeds fixtures=$A/tests/fixtures synth=$SYNTH"}
EVALS=${EVALS-"shared=/work/shared/corpus/procedures tests=$A/tests/corpus/procedures all=/work/corpus/all"}
norm() { python3 "$HERE/same_output_norm.py" "$1"; }
fail=0
for side in A B; do
  root=${!side}
  for c in $CORPORA; do name=${c%%=*}; dir=${c#*=}
    $root/.venv/bin/python -c "import sys; from pathlib import Path; from ingest.assembly.run import run_build; from ingest.settings import BuildSettings; run_build(Path(sys.argv[1]), Path(sys.argv[2]), BuildSettings(page_time_limit=600), force=True)" "$dir" $W/$side-$name >/dev/null 2>$W/$side-$name.err || echo "build failed $side $name"
    rel=$(ls -d $W/$side-$name/releases/*/ | head -1)
    norm "$rel" > $W/$side-$name.txt
  done
  for c in $EVALS; do name=${c%%=*}; dir=${c#*=}
    $root/.venv/bin/ingest eval --raw $dir/pages --truth $dir/truth.json --json $W/$side-eval-$name.json >/dev/null 2>&1
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d.pop('seconds', None); print(json.dumps(d, indent=1, sort_keys=True))" $W/$side-eval-$name.json > $W/$side-eval-$name.txt
  done
done
for c in $CORPORA; do name=${c%%=*}
  if cmp -s $W/A-$name.txt $W/B-$name.txt; then echo "identical  build $name ($(wc -l < $W/A-$name.txt) lines, $(grep -c '' $W/A-$name/releases/*/procedures.jsonl) records, $(grep -c '' $W/A-$name/releases/*/quarantine.jsonl) quarantined)"; else echo "DIFFERENT  build $name"; diff $W/A-$name.txt $W/B-$name.txt | head -20; fail=1; fi
done
for c in $EVALS; do name=${c%%=*}
  if cmp -s $W/A-eval-$name.txt $W/B-eval-$name.txt; then echo "identical  eval $name ($(wc -c < $W/A-eval-$name.txt) bytes)"; else echo "DIFFERENT  eval $name"; diff $W/A-eval-$name.txt $W/B-eval-$name.txt | head -20; fail=1; fi
done
exit $fail
