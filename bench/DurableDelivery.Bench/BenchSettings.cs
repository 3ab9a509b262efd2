using System.Globalization;

namespace DurableDelivery.Bench;

/// <summary>Command-line settings. <c>--quick</c> shortens each run; it never changes what is measured.</summary>
internal sealed record BenchSettings
{
    public const string Usage =
        "usage: DurableDelivery.Bench [--quick] [--repeats N] [--duration SECONDS] [--only commit,throughput,resume] [--concurrency 1,10,100] " +
        "[--resume-count N] [--data-root DIR] [--keep] [--eager-start] [--warmup SECONDS] [--rate 500,1000,2000] [--max-poll MS] [--wal-restart-frames N] [--sqlite-serialized] [--savepoints] [--random-run-ids]\n" +
        "  --only also takes 'openloop' (figure 3b: step latency at the offered rates of --rate; not in the default set)";

    public bool Quick { get; init; }

    /// <summary>Gets how many times each figure is measured (median and spread are printed).</summary>
    public int Repeats { get; init; } = 3;

    /// <summary>Gets how long each closed-loop throughput run keeps starting workflows.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets how long the discarded warm-up run (N=100) before the throughput runs lasts: tiered JIT keeps compiling for seconds.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(12);

    /// <summary>Gets how long each raw commit-rate run lasts.</summary>
    public TimeSpan CommitDuration { get; init; } = TimeSpan.FromSeconds(3);

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 10, 100];

    /// <summary>Gets the offered rates (workflows/s) of the open-loop runs (figure 3b, <c>--only openloop</c>).</summary>
    public IReadOnlyList<double> Rates { get; init; } = [500, 1000, 1500, 2000];

    /// <summary>Gets the client's <c>MaxPollInterval</c> for the open-loop runs (null: the default); 50 ms turns the waits' back-off off (the engine before it).</summary>
    public TimeSpan? MaxPoll { get; init; }

    /// <summary>Gets the WAL size (frames) at which the store's writer restarts the WAL (null: the default, 16,384); a huge value turns restarts off (the engine before them).</summary>
    public int? WalRestartFrames { get; init; }

    /// <summary>Gets a value indicating whether SQLite keeps its default serialized mode and memory statistics (the engine before session 7), for an A/B run.</summary>
    public bool SqliteSerialized { get; init; }

    /// <summary>Gets a value indicating whether the store's writer runs every batch with a savepoint per operation (the engine before session 7), for an A/B run.</summary>
    public bool Savepoints { get; init; }

    /// <summary>Gets a value indicating whether the client starts runs with random (version 4) run ids (the engine before session 8), for an A/B run.</summary>
    public bool RandomRunIds { get; init; }

    /// <summary>Applies the store settings of the command line to a freshly opened client's store.</summary>
    public void Apply(DurableDelivery.Engine.Client.DurableClient client)
    {
        client.RandomRunIds = RandomRunIds;
        if (WalRestartFrames is { } frames)
        {
            ((DurableDelivery.Engine.Storage.Sqlite.SqliteWorkflowStore)client.Store).Checkpointer.RestartFrames = frames;
        }
    }

    public int ResumeCount { get; init; } = 1000;

    public ISet<string> Only { get; init; } = new HashSet<string>(["commit", "throughput", "resume"], StringComparer.Ordinal);

    public string DataRoot { get; init; } = Path.Combine(Path.GetTempPath(), $"dd-bench-{Environment.ProcessId}");

    public bool Keep { get; init; }

    /// <summary>Gets a value indicating whether the throughput runs start workflows with <c>RequestEagerStart</c> (Temporal's eager workflow start).</summary>
    public bool EagerStart { get; init; }

    public static BenchSettings Parse(string[] args)
    {
        var s = new BenchSettings();
        if (args.Contains("--quick"))
        {
            s = s with { Quick = true, Duration = TimeSpan.FromSeconds(1.5), CommitDuration = TimeSpan.FromSeconds(1), Warmup = TimeSpan.FromSeconds(1) };
        }

        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            s = args[i] switch
            {
                "--quick" => s,
                "--repeats" => s with { Repeats = Math.Max(1, int.Parse(Value(), CultureInfo.InvariantCulture)) },
                "--duration" => s with { Duration = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)) },
                "--only" => s with { Only = new HashSet<string>(Value().Split(',', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal) },
                "--concurrency" => s with { Concurrency = [.. Value().Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] },
                "--resume-count" => s with { ResumeCount = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--data-root" => s with { DataRoot = Path.GetFullPath(Value()) },
                "--keep" => s with { Keep = true },
                "--eager-start" => s with { EagerStart = true },
                "--sqlite-serialized" => s with { SqliteSerialized = true },
                "--savepoints" => s with { Savepoints = true },
                "--random-run-ids" => s with { RandomRunIds = true },
                "--max-poll" => s with { MaxPoll = TimeSpan.FromMilliseconds(double.Parse(Value(), CultureInfo.InvariantCulture)) },
                "--wal-restart-frames" => s with { WalRestartFrames = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--rate" => s with { Rates = [.. Value().Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture))] },
                "--warmup" => s with { Warmup = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)) },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'"),
            };
        }

        return s;
    }
}
