export const HELP_TEXT = `sapflow - run and check Sapflow workflows from a terminal

Usage:
  sapflow validate <file>...                  compile against the available tools; "ok <id>: N tasks" or the error
  sapflow graph <file|template-id>            the DAG as a Mermaid flowchart
  sapflow run <file|template-id> [options]    run and log a workflow, with live progress
      -i, --input name=value                  an input, coerced to its declared type (repeatable)
      --json                                  every workflow event as one JSON line, ending with workflow-finish
                                              (or workflow-waiting, when a task waits for approval: exit 3)
  sapflow approve <executionId> <taskId>      approve a task the run waits for, then carry the run on here
      --deny [--reason text]                  deny it instead (the task fails with "denied")
  sapflow list [--json]                       workflow templates with their ids and inputs
  sapflow migrate                             apply pending migrations to DATABASE_URL or the embedded store
  sapflow seed [--refresh]                    load the sample firm (demo data) into DATABASE_URL or the embedded store
  sapflow help                                this text

Exit codes:
  0 completed   2 partial (a non-critical task failed)   1 failed, cancelled or an internal error
  3 waiting for an approval (sapflow approve)
  64 invalid definition, input, command line or configuration (the error's [code] and message on stderr)

Environment:
  TOOLS_CONFIG      YAML/JSON file of HTTP tools           WORKFLOWS_DIR   your workflow templates
  DATA_DIR          embedded store folder (.sapflow)       DATABASE_URL    Postgres instead of the embedded store
  WORKFLOW_MAX_PARALLEL_TASKS (5)   WORKFLOW_DEFAULT_TIMEOUT (30 s)   NO_COLOR

Ctrl-C during "run" cancels the run (exit 1); a second Ctrl-C quits at once.
`;
