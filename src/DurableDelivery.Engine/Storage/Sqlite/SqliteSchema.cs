namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>Versioned schema migrations. Append new versions; never edit an applied one.</summary>
internal static class SqliteSchema
{
    public const string ProductMarker = "DurableDelivery.Engine";

    public static readonly IReadOnlyList<(int Version, string Name, string Sql)> Migrations =
    [
        (1, "initial", """
            CREATE TABLE runs(
              run_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, workflow_type TEXT NOT NULL, task_queue TEXT NOT NULL,
              status INTEGER NOT NULL, start_time INTEGER NOT NULL, close_time INTEGER,
              result TEXT, failure TEXT, last_event_id INTEGER NOT NULL, history_size INTEGER NOT NULL,
              version INTEGER NOT NULL, ready_at INTEGER, owner TEXT, task_failure TEXT, task_attempt INTEGER NOT NULL DEFAULT 0,
              parent_workflow_id TEXT, parent_run_id TEXT, parent_event_id INTEGER, parent_close_policy INTEGER,
              continued_run_id TEXT, next_run_id TEXT, first_run_id TEXT);
            CREATE UNIQUE INDEX runs_open_workflow ON runs(workflow_id) WHERE status = 1;
            CREATE INDEX runs_workflow ON runs(workflow_id, start_time);
            CREATE INDEX runs_ready ON runs(ready_at) WHERE ready_at IS NOT NULL;
            CREATE INDEX runs_parent ON runs(parent_run_id) WHERE parent_run_id IS NOT NULL;
            CREATE INDEX runs_owner ON runs(owner) WHERE owner IS NOT NULL;
            CREATE INDEX runs_start ON runs(start_time);
            CREATE TABLE events(run_id TEXT NOT NULL, event_id INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY(run_id, event_id)) WITHOUT ROWID;
            CREATE TABLE inbox(id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, data TEXT NOT NULL);
            CREATE INDEX inbox_run ON inbox(run_id, id);
            CREATE TABLE timers(run_id TEXT NOT NULL, event_id INTEGER NOT NULL, fire_at INTEGER NOT NULL, PRIMARY KEY(run_id, event_id)) WITHOUT ROWID;
            CREATE TABLE activities(
              run_id TEXT NOT NULL, scheduled_event_id INTEGER NOT NULL, workflow_id TEXT NOT NULL, workflow_type TEXT NOT NULL,
              activity_type TEXT NOT NULL, task_queue TEXT NOT NULL, args TEXT NOT NULL, options TEXT NOT NULL,
              attempt INTEGER NOT NULL, scheduled_time INTEGER NOT NULL, visible_at INTEGER NOT NULL, owner TEXT,
              attempt_started INTEGER, deadline INTEGER, s2s_deadline INTEGER, heartbeat_details TEXT, last_heartbeat INTEGER,
              cancel_requested INTEGER NOT NULL DEFAULT 0, last_failure TEXT,
              PRIMARY KEY(run_id, scheduled_event_id));
            CREATE INDEX activities_visible ON activities(visible_at) WHERE owner IS NULL;
            CREATE INDEX activities_deadline ON activities(deadline) WHERE owner IS NOT NULL;
            CREATE INDEX activities_owner ON activities(owner) WHERE owner IS NOT NULL;
            CREATE TABLE updates(update_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, run_id TEXT NOT NULL, name TEXT NOT NULL,
              state INTEGER NOT NULL, result TEXT, failure TEXT, created INTEGER NOT NULL);
            CREATE TABLE queries(id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, workflow_type TEXT NOT NULL,
              name TEXT NOT NULL, args TEXT NOT NULL, owner TEXT, answered INTEGER NOT NULL DEFAULT 0, result TEXT, failure TEXT,
              created INTEGER NOT NULL);
            CREATE TABLE workers(worker_id TEXT PRIMARY KEY, started INTEGER NOT NULL);
            CREATE TABLE workflow_types(name TEXT PRIMARY KEY, data TEXT NOT NULL);
            """),
    ];
}
