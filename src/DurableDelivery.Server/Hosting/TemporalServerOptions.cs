using Microsoft.Extensions.Logging;

namespace DurableDelivery.Server.Hosting;

/// <summary>How to run an embedded Temporal server. Copied when the server starts.</summary>
public sealed record TemporalServerOptions
{
    /// <summary>The address to listen on. <value>The default is 127.0.0.1.</value></summary>
    public string Ip { get; init; } = "127.0.0.1";

    /// <summary>The gRPC port; 0 picks a free one. <value>The default is 7233, Temporal's.</value></summary>
    public int Port { get; init; } = 7233;

    /// <summary>The SQLite file; null keeps the data in a temporary file deleted at stop.
    /// <value>The default is null.</value></summary>
    public string? DatabasePath { get; init; }

    /// <summary>Namespaces to create besides <c>default</c>. <value>The default is none.</value></summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>Serve the test service and skip time when nothing is outstanding (Temporal's test server).
    /// <value>The default is false.</value></summary>
    public bool TimeSkipping { get; init; }

    /// <summary>With <see cref="TimeSkipping"/>, start with skipping locked (as the test server started as
    /// <c>exe port</c>; clients unlock while they wait for results). <value>The default is false.</value></summary>
    public bool StartLocked { get; init; }

    /// <summary>Logging; null logs nothing. <value>The default is null.</value></summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>How long a task poll waits before an empty answer. <value>The default is 60 seconds.</value></summary>
    public TimeSpan LongPollTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks the options, naming every problem and its fix.</summary>
    /// <exception cref="ArgumentException">Some option is wrong.</exception>
    public void Validate()
    {
        var problems = new List<string>();
        if (Port is < 0 or > 65535)
        {
            problems.Add($"Port {Port} is not a TCP port: use 1-65535, or 0 for a free one.");
        }

        if (!System.Net.IPAddress.TryParse(Ip, out _) && Ip != "localhost")
        {
            problems.Add($"Ip '{Ip}' is not an IP address: use e.g. 127.0.0.1 or 0.0.0.0.");
        }

        if (StartLocked && !TimeSkipping)
        {
            problems.Add("StartLocked needs TimeSkipping: turn TimeSkipping on or StartLocked off.");
        }

        if (LongPollTimeout <= TimeSpan.Zero || LongPollTimeout > TimeSpan.FromSeconds(65))
        {
            problems.Add("LongPollTimeout must be positive and under the SDK's 70 s poll deadline.");
        }

        foreach (var ns in Namespaces)
        {
            if (string.IsNullOrWhiteSpace(ns) || ns.Length > 1000)
            {
                problems.Add($"Namespace '{ns}' is not a valid name: use 1-1000 non-blank characters.");
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems));
        }
    }
}
