#!/usr/bin/env bash
# Submits a lab sweep to Slurm as an array of N shards plus a merge job that waits for it.
#
#   scripts/slurm/submit.sh --shards N --out OUT --only ID [--profile smoke|quick|full]
#                           [--set key=value]… [--shard-dir DIR]
#
# Submits sweep.sbatch with --array=0-(N-1) (task i writes DIR/shard-i/ID/shard.json and its
# part), then merge.sbatch with --dependency=afterok:<array job id>, which writes OUT/ID/ and
# OUT/index.html as a whole `deno task reproduce --only ID … --out OUT` run would. DIR defaults
# to OUT.shards and must not hold shard folders already; job logs go to DIR/logs/. Prints both
# job ids and where the results land. Works from any folder (relative paths are taken from it;
# the jobs run in the repository root), and every path must be on a file system the compute
# nodes share. A bad argument is refused in one line with exit code 2, before anything is
# submitted. Partition, time limit or account come from sbatch's own environment variables
# (SBATCH_PARTITION, SBATCH_TIMELIMIT, SBATCH_ACCOUNT…), which apply to both jobs.
set -euo pipefail

usage="usage: submit.sh --shards N --out OUT --only ID [--profile P] [--set key=value]… [--shard-dir DIR]"
refuse() { echo "submit.sh: $1" >&2; exit 2; }
absolute() { case "$1" in /*) printf '%s' "${1%/}" ;; *) printf '%s' "$PWD/${1%/}" ;; esac; }

shards="" out="" only="" profile="" shard_dir="" sets=()
while [ $# -gt 0 ]; do
  opt=$1 value=""
  case "$opt" in
    --help | -h) echo "$usage"; exit 0 ;;
    --*=*) value=${opt#*=} opt=${opt%%=*} ;;
    --shards | --out | --only | --profile | --set | --shard-dir)
      [ $# -ge 2 ] || refuse "$opt needs a value; $usage"
      value=$2
      shift ;;
    *) refuse "unknown argument \"$opt\"; $usage" ;;
  esac
  shift
  case "$opt" in
    --shards) shards=$value ;;
    --out) out=$value ;;
    --only) only=$value ;;
    --profile) profile=$value ;;
    --set) sets+=(--set "$value") ;;
    --shard-dir) shard_dir=$value ;;
    *) refuse "unknown option \"$opt\"; $usage" ;;
  esac
  if [ "$opt" = --set ] && [[ ! "$value" =~ ^[A-Za-z][A-Za-z0-9]*=.+$ ]]; then
    refuse "--set $value is not allowed: use --set key=value"
  fi
done

[[ "$shards" =~ ^[1-9][0-9]*$ ]] && [ "$shards" -le 1000 ] ||
  refuse "--shards ${shards:-(missing)} is not allowed: use a whole number from 1 to 1000"
[ -n "$out" ] || refuse "--out is missing; $usage"
[[ "$only" =~ ^[a-z0-9]+(-[a-z0-9]+)*$ ]] ||
  refuse "--only ${only:-(missing)} is not allowed: name one experiment id (deno task reproduce --list)"
case "$profile" in "" | smoke | quick | full) ;; *)
  refuse "--profile $profile is not allowed: use one of smoke|quick|full" ;;
esac
out=$(absolute "$out")
shard_dir=$(absolute "${shard_dir:-$out.shards}")
[ "$shard_dir" != "$out" ] || refuse "--shard-dir must differ from --out ($out)"
if compgen -G "$shard_dir/shard-*" >/dev/null; then
  refuse "$shard_dir already holds shard-* folders; remove them or give another --shard-dir"
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
command -v sbatch >/dev/null 2>&1 || { echo "submit.sh: sbatch not found on PATH" >&2; exit 1; }
mkdir -p "$shard_dir/logs"

reproduce=(--only "$only")
[ -z "$profile" ] || reproduce+=(--profile "$profile")
reproduce+=("${sets[@]+"${sets[@]}"}")
array=$(sbatch --parsable --chdir="$root" --array="0-$((shards - 1))" \
  --job-name="lab-sweep-$only" --output="$shard_dir/logs/sweep-%A_%a.out" \
  scripts/slurm/sweep.sbatch "$shard_dir" "${reproduce[@]}")
array=${array%%;*}
if ! merge=$(sbatch --parsable --chdir="$root" --dependency="afterok:$array" \
  --kill-on-invalid-dep=yes --job-name="lab-merge-$only" \
  --output="$shard_dir/logs/merge-%j.out" scripts/slurm/merge.sbatch "$out" "$shard_dir"); then
  scancel "$array" || true
  echo "submit.sh: submitting the merge job failed; cancelled array job $array" >&2
  exit 1
fi
merge=${merge%%;*}

echo "array job $array: $shards shards of $only → $shard_dir/shard-{0..$((shards - 1))}/"
echo "merge job $merge: after array job $array succeeds → $out/$only/ and $out/index.html"
echo "logs: $shard_dir/logs/ (squeue -j $array,$merge to follow)"
