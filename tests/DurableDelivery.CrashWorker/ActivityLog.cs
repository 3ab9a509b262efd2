using System.Globalization;
using System.Text;

namespace DurableDelivery.CrashWorker;

/// <summary>One recorded activity execution: a line <c>workflowId|activity|attempt|pid|runId|activityId</c> of the log.</summary>
public sealed record ActivityExecution(string WorkflowId, string Activity, int Attempt, int Pid, string RunId, string ActivityId)
{
    /// <summary>Gets the identity of the scheduled activity this execution belongs to (stable across replays and processes).</summary>
    public (string RunId, string ActivityId) Key => (RunId, ActivityId);

    /// <summary>Parses one log line.</summary>
    public static ActivityExecution Parse(string line)
    {
        var p = line.Split('|');
        if (p.Length != 6)
        {
            throw new FormatException($"Activity log line '{line}' does not have 6 fields (workflowId|activity|attempt|pid|runId|activityId).");
        }

        return new ActivityExecution(p[0], p[1], int.Parse(p[2], CultureInfo.InvariantCulture), int.Parse(p[3], CultureInfo.InvariantCulture), p[4], p[5]);
    }

    /// <inheritdoc />
    public override string ToString() => string.Join('|', WorkflowId, Activity, Attempt.ToString(CultureInfo.InvariantCulture), Pid.ToString(CultureInfo.InvariantCulture), RunId, ActivityId);
}

/// <summary>
/// An append-only file in the data directory with one line per activity execution, written to disk (fsync) before the
/// activity returns, so that it survives the SIGKILL that follows and counts every execution across processes.
/// </summary>
public sealed class ActivityLog(string path)
{
    /// <summary>The log's file name inside the data directory.</summary>
    public const string FileName = "activity-executions.log";

    private static readonly Lock Gate = new();

    /// <summary>Gets the log file's path.</summary>
    public string Path { get; } = path;

    /// <summary>Opens the log of a data directory.</summary>
    public static ActivityLog In(string dataDir) => new(System.IO.Path.Combine(dataDir, FileName));

    /// <summary>Appends one execution and flushes it to disk.</summary>
    public void Append(ActivityExecution execution)
    {
        var bytes = Encoding.UTF8.GetBytes(execution + "\n");
        lock (Gate)
        {
            using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Reads every complete line (a line cut short by a kill mid-write would be ignored).</summary>
    public IReadOnlyList<ActivityExecution> ReadAll()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        string text;
        lock (Gate)
        {
            using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(file, Encoding.UTF8);
            text = reader.ReadToEnd();
        }

        var end = text.LastIndexOf('\n');
        return end < 0 ? [] : [.. text[..end].Split('\n').Select(ActivityExecution.Parse)];
    }
}
