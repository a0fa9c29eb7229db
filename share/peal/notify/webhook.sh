#!/bin/sh
# SPDX-License-Identifier: MIT
# Posts each peal event (docs/unattended.md) to an HTTP webhook with curl: the JSON object peal
# writes on stdin is the request body. In peal.toml:
#
#   notify_commands = [["sh", "/usr/share/peal/notify/webhook.sh", "https://hooks.example.com/T0/B0/XXXX"]]
#
# The URL is the only argument. Chat services that want their own shape ({"text": ...}) can
# be given one with jq: jq -c '{text: .message}' | curl ... --data-binary @-
set -eu
url=${1:?usage: webhook.sh URL}
# peal ends a notify command after 10 s; curl gives up a little sooner and says why.
exec curl --silent --show-error --fail --max-time 8 \
    --header 'Content-Type: application/json' --data-binary @- "$url"
