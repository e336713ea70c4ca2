#!/bin/sh
# A zero-latency OpenAI-compatible peer for bench_ask: nginx answering every
# POST /v1/chat/completions at once with a fixed completion. Usage:
#   bench/zero_latency_server.sh start DIR PORT   |   bench/zero_latency_server.sh stop DIR
set -eu
cmd=$1 dir=$2
if [ "$cmd" = stop ]; then
  [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
  exit 0
fi
port=$3
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  client_max_body_size 100m;
  server {
    listen 127.0.0.1:$port;
    location = /v1/chat/completions {
      default_type application/json;
      return 200 '{"choices":[{"index":0,"message":{"role":"assistant","content":"{\\\\"answer\\\\": \\\\"yes\\\\", \\\\"justification\\\\": \\\\"fixed\\\\", \\\\"start_time\\\\": \\\\"N/A\\\\"}"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}';
    }
  }
}
CONF
nginx -c "$dir/nginx.conf" -p "$dir"
