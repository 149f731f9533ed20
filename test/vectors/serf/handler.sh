#!/bin/sh
# answers queries with a fixed response; other events ignored
if [ "$SERF_EVENT" = "query" ]; then cat >/dev/null; printf 'resp-from-%s' "$SERF_SELF_NAME"; fi
