using System.Diagnostics;
using Temporalio.Worker.Interceptors;

namespace DurableDelivery.Cli.Worker;

/// <summary>
/// Crash points for crash tests: with <c>DD_CRASH_POINT=&lt;point&gt;:[&lt;activity&gt;:]&lt;n&gt;</c>, <c>ddctl worker run</c>
/// SIGKILLs itself (no shutdown code runs, as in a power cut) the n-th time one of its activities (of that activity
/// type, when one is named, e.g. <c>activity-completed:SetWeights:1</c>) passes the point:
/// <list type="bullet">
/// <item><c>activity-completed</c>: the activity's work is done (the provider made its change) and its result has
/// not been sent to the server, so Temporal retries it: what makes activities' idempotency keys matter.</item>
/// <item><c>activity-started</c>: the activity was handed to this worker and has done nothing yet; everything the
/// workflow did before is recorded on the server.</item>
/// </list>
/// Without the variable the interceptor is not installed.
/// </summary>
internal sealed class CrashPoints : IWorkerInterceptor
{
    /// <summary>The variable that arms a crash point.</summary>
    public const string Variable = "DD_CRASH_POINT";

    private readonly string point;
    private readonly string? activity;
    private readonly int at;
    private int passed;

    private CrashPoints(string point, string? activity, int at)
    {
        this.point = point;
        this.activity = activity;
        this.at = at;
    }

    /// <summary>Reads <see cref="Variable"/>; null when it is not set; exit 1 when it is malformed.</summary>
    public static CrashPoints? FromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var parts = text.Split(':');
        return parts.Length is 2 or 3 && parts[0] is "activity-completed" or "activity-started"
            && int.TryParse(parts[^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            && (parts.Length == 2 || parts[1].Length > 0)
            ? new CrashPoints(parts[0], parts.Length == 3 ? parts[1] : null, n)
            : throw Common.CliException.BadInput(
                $"{Variable}='{text}' is not <point>:[<activity>:]<n> with point activity-completed or activity-started and n >= 1, e.g. activity-completed:SetWeights:1.");
    }

    /// <inheritdoc />
    public ActivityInboundInterceptor InterceptActivity(ActivityInboundInterceptor nextInterceptor) => new Activities(this, nextInterceptor);

    private void Pass(string here, string type)
    {
        if (here == point && (activity is null || activity == type) && Interlocked.Increment(ref passed) == at)
        {
            Console.Error.WriteLine($"crash point {Environment.GetEnvironmentVariable(Variable)} reached at activity {type}: SIGKILL");
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill();
        }
    }

    private sealed class Activities(CrashPoints points, ActivityInboundInterceptor next) : ActivityInboundInterceptor(next)
    {
        public override async Task<object?> ExecuteActivityAsync(ExecuteActivityInput input)
        {
            points.Pass("activity-started", input.Activity.Name ?? "?");
            var result = await base.ExecuteActivityAsync(input);
            points.Pass("activity-completed", input.Activity.Name ?? "?");
            return result;
        }
    }
}
