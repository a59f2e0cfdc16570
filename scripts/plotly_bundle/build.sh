#!/usr/bin/env bash
# Rebuild static/vendor/plotly-atlas.min.js (needs Node.js and npm; build time only, the app never runs this).
# plotly.js must stay the version the Python plotly package is written for (tests/test_chart.py checks).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts
version=$(node -p "require('plotly.js/package.json').version")
traces=$(grep -o "lib/[a-z0-9]*'" entry.js | grep -v -e locales -e core | sed "s#lib/##; s#'##" | paste -sd, -)
out=../../static/vendor
npx esbuild entry.js --bundle --minify --format=iife --global-name=Plotly --target=es2016 \
  --define:global=window --define:define.amd=false --loader:.css=empty --legal-comments=none \
  --banner:js="/* plotly.js v${version} (MIT, Plotly, Inc.) traces: scatter,${traces}; locale zh-CN. Built by scripts/plotly_bundle/build.sh */" \
  --outfile="$out/plotly-atlas.min.js"
cp node_modules/plotly.js/LICENSE "$out/plotly.js-LICENSE.txt"
ls -l "$out"
