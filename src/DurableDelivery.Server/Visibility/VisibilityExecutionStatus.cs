namespace DurableDelivery.Server.Visibility;

/// <summary>
/// Reads <c>ExecutionStatus</c> literals: Temporal's status names (<c>Running</c>, ...; any case, also the full
/// <c>WORKFLOW_EXECUTION_STATUS_RUNNING</c> form) or their numbers, which is what the <c>status</c> column stores.
/// </summary>
internal static class VisibilityExecutionStatus
{
    private static readonly Dictionary<string, long> Names = BuildNames();

    /// <summary>The status number of <paramref name="name"/>, or false if it names no status.</summary>
    public static bool TryParse(string name, out long value) => Names.TryGetValue(name, out value);

    /// <summary>Whether <paramref name="value"/> is a status number (0, unspecified, to 8, paused).</summary>
    public static bool IsDefined(long value) => value is >= 0 and <= 8;

    private static Dictionary<string, long> BuildNames()
    {
        (string Short, string Full)[] names =
        [
            ("Unspecified", "UNSPECIFIED"),
            ("Running", "RUNNING"),
            ("Completed", "COMPLETED"),
            ("Failed", "FAILED"),
            ("Canceled", "CANCELED"),
            ("Terminated", "TERMINATED"),
            ("ContinuedAsNew", "CONTINUED_AS_NEW"),
            ("TimedOut", "TIMED_OUT"),
            ("Paused", "PAUSED"),
        ];
        var map = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Length; i++)
        {
            map[names[i].Short] = i;
            map["WORKFLOW_EXECUTION_STATUS_" + names[i].Full] = i;
        }

        return map;
    }
}
