using DurableDelivery.Server.Visibility;
using Microsoft.Data.Sqlite;

namespace DurableDelivery.Server.Tests.Visibility;

/// <summary>
/// An in-memory SQLite database holding a visibility table with the columns the translator targets and five
/// executions, so tests run the produced SQL for real and check which rows it selects.
/// </summary>
internal sealed class VisibilityTestDatabase : IDisposable
{
    /// <summary>2026-12-07T10:00:00Z in Unix nanoseconds.</summary>
    public static readonly long T0 =
        new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L;

    public const long Second = 1_000_000_000L;
    public const long Minute = 60 * Second;
    public const long Hour = 60 * Minute;

    /// <summary>The custom search attributes of the rows below.</summary>
    public static readonly IReadOnlyDictionary<string, SearchAttributeKind> Custom =
        new Dictionary<string, SearchAttributeKind>(StringComparer.Ordinal)
        {
            ["CustomerId"] = SearchAttributeKind.Keyword,
            ["Priority"] = SearchAttributeKind.Int,
            ["Score"] = SearchAttributeKind.Double,
            ["IsVip"] = SearchAttributeKind.Bool,
            ["Due"] = SearchAttributeKind.Datetime,
            ["Tags"] = SearchAttributeKind.KeywordList,
            ["Notes"] = SearchAttributeKind.Text,
            ["Odd 'Name'"] = SearchAttributeKind.Keyword,
        };

    private readonly SqliteConnection connection;

    static VisibilityTestDatabase() => SQLitePCL.Batteries_V2.Init();

    public VisibilityTestDatabase()
    {
        connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        Execute("""
            CREATE TABLE executions_visibility (
                workflow_id TEXT NOT NULL,
                run_id TEXT NOT NULL,
                workflow_type TEXT NOT NULL,
                task_queue TEXT NOT NULL,
                status INTEGER NOT NULL,
                start_time INTEGER NOT NULL,
                execution_time INTEGER NOT NULL,
                close_time INTEGER,
                history_length INTEGER NOT NULL,
                parent_workflow_id TEXT,
                parent_run_id TEXT,
                root_workflow_id TEXT,
                root_run_id TEXT,
                search_attributes TEXT,
                PRIMARY KEY (workflow_id, run_id))
            """);

        // Running; the only one with IsVip, Due and a Notes text about care.
        Insert("order-1", "OrderWorkflow", "orders", 1, T0, null, 5, null,
            $$"""
            {"CustomerId":"c-1","Priority":3,"Score":1.5,"IsVip":true,"Due":{{T0 + Hour}},
             "Tags":["red","blue"],"Notes":"Fragile parcel, handle with\tcare","Odd 'Name'":"x"}
            """);

        // Completed after 30 minutes; a child of order-1.
        Insert("order-2", "OrderWorkflow", "orders", 2, T0 + (10 * Minute), T0 + (40 * Minute), 20, "order-1",
            """
            {"CustomerId":"c-2","Priority":1,"Score":-2.0,"IsVip":false,"Tags":["green"],"Notes":"Leave at DOOR"}
            """);

        // Failed after 10 seconds; an id with LIKE wildcards in it.
        Insert("refund_1%", "RefundWorkflow", "refunds", 3, T0 + Hour, T0 + Hour + (10 * Second), 8, null,
            """{"CustomerId":"c-10","Tags":["red"],"TemporalChangeVersion":["v1"]}""");

        // Timed out after a day; no search attributes at all.
        Insert("shipment-9", "ShipmentWorkflow", "shipments", 7, T0 - (24 * Hour), T0, 100, null, null);

        // Canceled after 250 ms; upper-case id, an empty tag list.
        Insert("Order-3", "OrderWorkflow", "orders", 4, T0 + (2 * Hour), T0 + (2 * Hour) + 250_000_000L, 2, null,
            """{"Priority":2,"Tags":[],"BuildIds":["b1","b2"]}""");
    }

    /// <summary>All workflow ids, sorted ordinally.</summary>
    public static readonly string[] AllIds = ["Order-3", "order-1", "order-2", "refund_1%", "shipment-9"];

    /// <summary>Translates <paramref name="query"/>, runs it and returns the matching workflow ids (sorted ordinally,
    /// unless <paramref name="useOrderBy"/> applies the query's ORDER BY instead).</summary>
    public string[] Match(string query, bool useOrderBy = false)
    {
        var sql = VisibilityQuery.Translate(query, Custom);
        var orderBy = useOrderBy && sql.OrderBy.Count > 0
            ? string.Join(", ", sql.OrderBy.Select(o => o.Column + (o.Descending ? " DESC" : " ASC")))
            : "workflow_id";
        return Select($"SELECT workflow_id FROM executions_visibility WHERE {sql.Where} ORDER BY {orderBy}", sql);
    }

    /// <summary>Runs <paramref name="statement"/> with <paramref name="sql"/>'s parameters; the first column of each
    /// row, as strings.</summary>
    public string[] Select(string statement, VisibilitySql sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = statement;
        foreach (var (name, value) in sql.Parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var ids = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetValue(0).ToString()!);
        }

        return [.. ids];
    }

    public void Insert(
        string workflowId,
        string type,
        string taskQueue,
        int status,
        long start,
        long? close,
        long historyLength,
        string? parentWorkflowId,
        string? searchAttributes)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO executions_visibility VALUES (
                $id, $run, $type, $queue, $status, $start, $start, $close, $length, $parent, $parentRun,
                $id, $run, $attributes)
            """;
        command.Parameters.AddWithValue("$id", workflowId);
        command.Parameters.AddWithValue("$run", "run-" + workflowId);
        command.Parameters.AddWithValue("$type", type);
        command.Parameters.AddWithValue("$queue", taskQueue);
        command.Parameters.AddWithValue("$status", status);
        command.Parameters.AddWithValue("$start", start);
        command.Parameters.AddWithValue("$close", (object?)close ?? DBNull.Value);
        command.Parameters.AddWithValue("$length", historyLength);
        command.Parameters.AddWithValue("$parent", (object?)parentWorkflowId ?? DBNull.Value);
        command.Parameters.AddWithValue(
            "$parentRun", parentWorkflowId is null ? DBNull.Value : "run-" + parentWorkflowId);
        command.Parameters.AddWithValue("$attributes", (object?)searchAttributes ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public void Execute(string statement)
    {
        using var command = connection.CreateCommand();
        command.CommandText = statement;
        command.ExecuteNonQuery();
    }

    public void Dispose() => connection.Dispose();
}
