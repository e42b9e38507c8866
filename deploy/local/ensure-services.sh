#!/usr/bin/env bash
# Starts the local PostgreSQL and RabbitMQ when they are installed but not answering.
# When TEST_DATABASE_URL / TEST_AMQP_URL point elsewhere, or neither server is installed,
# it does nothing: the tests then use those URLs, or testcontainers when Docker runs.
set -u

answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() {
  local host=$1 port=$2 name=$3
  for _ in $(seq 1 60); do
    answers "$host" "$port" && return 0
    sleep 1
  done
  echo "ensure-services: $name did not come up on $host:$port" >&2
  return 1
}

if [ -z "${TEST_DATABASE_URL:-}" ] && ! answers 127.0.0.1 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "ensure-services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    wait_for 127.0.0.1 5432 PostgreSQL || exit 1
  fi
fi

if [ -z "${TEST_AMQP_URL:-}" ] && ! answers 127.0.0.1 5672; then
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "ensure-services: starting RabbitMQ"
    rabbitmq-server -detached || true
    wait_for 127.0.0.1 5672 RabbitMQ || exit 1
  fi
fi
exit 0
