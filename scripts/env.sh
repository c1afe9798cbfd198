# Shared by the scripts: where the installed tools live.
export OPSFLOW_TOOLS="${OPSFLOW_TOOLS:-$HOME/.cache/opsflow-tools}"
export PATH="$HOME/.cargo/bin:${OPSFLOW_TOOLS}/node_modules/.bin:$PATH"
