#!/bin/sh
# SPDX-License-Identifier: MIT
# A desktop notification for each peal event (docs/unattended.md), with notify-send
# (libnotify-bin). In peal.toml:
#
#   notify_commands = [["sh", "/usr/share/peal/notify/desktop.sh"]]
#   notify_on = ["task_failed", "rate_limit_wait", "budget_stop", "run_done"]
#
# peal puts the event, its task and its one-line message in the environment and one JSON
# object on stdin; this example needs only the environment.
cat > /dev/null # the JSON object, not used here
case "$PEAL_NOTIFY_EVENT" in
    task_failed | budget_stop) urgency=critical ;;
    *) urgency=normal ;;
esac
title="peal: $PEAL_NOTIFY_EVENT"
[ -n "$PEAL_NOTIFY_TASK" ] && title="$title (task $PEAL_NOTIFY_TASK)"
exec notify-send --app-name=peal --urgency="$urgency" "$title" "$PEAL_NOTIFY_MESSAGE"
