#!/usr/bin/env bash
# kubernetes-trees.sh - render the Kubernetes trees the checks run on, with a berth binary: the
# same two shapes as tests/it/kubernetes_tree.rs (mvp_kubernetes, shop_kubernetes).
#
# Usage: kubernetes-trees.sh BERTH OUTDIR
#   OUTDIR/mvp   `berth init --preset mvp` (name demo) + [kubernetes] enabled = true
#   OUTDIR/shop  `berth init --preset minimal` (name shop, no gateway) + [infra.postgres] +
#                `berth new` billing (http, on postgres), live-feed (websocket, on billing),
#                ml-worker (worker, on billing and postgres, its own timeouts) + [kubernetes]
#                with its own namespace and replicas, and billing's own replicas and resources
# Then `berth check` must pass on each. Exit 0 on success, 1 when berth fails, 2 usage error.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BERTH OUTDIR" >&2; exit 2; }
BERTH="$1"; OUT="$2"
mkdir -p "$OUT"

"$BERTH" init "$OUT/mvp" --preset mvp --name demo --yes >/dev/null
printf '\n[kubernetes]\nenabled = true\n' >>"$OUT/mvp/berth.toml"
"$BERTH" -C "$OUT/mvp" generate >/dev/null

S="$OUT/shop"
"$BERTH" init "$S" --preset minimal --name shop --yes >/dev/null
printf '\n[infra.postgres]\nurl = "tcp://postgres:5432"\n' >>"$S/berth.toml"
"$BERTH" -C "$S" new billing --kind http --depends-on postgres --yes >/dev/null
"$BERTH" -C "$S" new live-feed --kind websocket --depends-on billing --yes >/dev/null
"$BERTH" -C "$S" new ml-worker --kind worker --depends-on billing,postgres \
  --wait-timeout 90,postgres=300 --yes >/dev/null
cat >>"$S/berth.toml" <<'TOML'

[kubernetes]
enabled = true
namespace = "shop-{env}"
replicas = { staging = 3, prod = 4 }

[services.billing.kubernetes]
replicas = { prod = 6 }
resources = { requests = { cpu = "250m" }, limits = { memory = "1Gi" } }
TOML
"$BERTH" -C "$S" generate >/dev/null

for tree in "$OUT/mvp" "$S"; do "$BERTH" -C "$tree" check >/dev/null; done
echo "kubernetes-trees: $OUT/mvp $OUT/shop"
