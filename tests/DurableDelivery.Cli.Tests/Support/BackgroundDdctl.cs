using System.Diagnostics;
using System.Text;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>A long-running ddctl child process (a worker, <c>local load</c>) whose output is collected; disposing kills it and its children.</summary>
public sealed class BackgroundDdctl : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();

    /// <summary>Starts ddctl.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="onStdoutLine">Sees every stdout line as it arrives, then <see langword="null"/> at its end.</param>
    public BackgroundDdctl(IReadOnlyList<string> args, Action<string?>? onStdoutLine = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        process = Ddctl.Start(args, environment);
        process.OutputDataReceived += (_, e) =>
        {
            Append(stdout, e.Data);
            onStdoutLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout => Read(stdout);

    public string Stderr => Read(stderr);

    /// <summary>Gets both outputs, for failure messages.</summary>
    public string Output => $"stdout: {Stdout}\nstderr: {Stderr}";

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public Task WaitForExitAsync() => process.WaitForExitAsync();

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        process.Dispose();
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
