using System.Collections.Concurrent;
using System.Diagnostics;

namespace DurableDelivery.Server.Process.Tests.Support;

/// <summary>
/// A child process whose output is collected line by line; tests wait for lines and exits with deadlines. Killed
/// (SIGKILL, the whole tree) on dispose.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<ChildProcess, bool> Running = new();

    static ChildProcess()
    {
        // A test abandoned at its deadline cannot dispose its children: none may outlive the test run.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var child in Running.Keys)
            {
                child.KillQuietly();
            }
        };
    }

    private readonly System.Diagnostics.Process process;
    private readonly string name;
    private readonly ConcurrentQueue<string> stdout = new();
    private readonly ConcurrentQueue<string> stderr = new();
    private readonly ConcurrentQueue<string> all = new();
    private readonly TaskCompletionSource stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(System.Diagnostics.Process process, string name)
    {
        this.process = process;
        this.name = name;
    }

    /// <summary>The process id.</summary>
    public int Pid => process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>The lines written to stdout so far.</summary>
    public IReadOnlyList<string> StdoutLines => [.. stdout];

    /// <summary>Everything written so far, stderr lines prefixed with "err: ".</summary>
    public string Output => string.Join('\n', all);

    /// <summary>The lines written to stderr so far.</summary>
    public IReadOnlyList<string> StderrLines => [.. stderr];

    /// <summary>Starts <paramref name="file"/> with the arguments, stdout and stderr read line by line.</summary>
    public static ChildProcess Start(string file, IEnumerable<string> args, string name)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new System.Diagnostics.Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, name);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, stderr: false);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, stderr: true);
        process.Start();
        Running[child] = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for a stdout line that matches and returns it; fails at once if the process exits first.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        try
        {
            var line = await Eventually.UntilAsync(() => Task.FromResult(FindLine(match, what)), l => l is not null,
                timeout, what);
            return line!;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"{name} (pid {Pid}): no {what} within {timeout.TotalSeconds:0.#} s; output:\n{Output}");
        }
    }

    private string? FindLine(Func<string, bool> match, string what)
    {
        var exited = process.HasExited && stdoutClosed.Task.IsCompleted;
        var line = stdout.FirstOrDefault(match);
        if (line is null && exited)
        {
            throw new InvalidOperationException(
                $"{name} (pid {Pid}) exited with {process.ExitCode} before {what}; output:\n{Output}");
        }

        return line;
    }

    /// <summary>Waits for the process to exit and its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await Task.WhenAll(process.WaitForExitAsync(), stdoutClosed.Task, stderrClosed.Task).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"{name} (pid {Pid}) did not exit within {timeout.TotalSeconds:0.#} s; output:\n{Output}");
        }

        return process.ExitCode;
    }

    /// <summary>Sends SIGKILL (Process.Kill on Linux) to the process and its children: no clean-up on their side.
    /// </summary>
    public void Kill() => process.Kill(entireProcessTree: true);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        KillQuietly();
        try
        {
            await process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        Running.TryRemove(this, out _);
        process.Dispose();
    }

    private void KillQuietly()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Never started, or already gone.
        }
    }

    private void OnLine(string? line, bool stderr)
    {
        if (line is null)
        {
            (stderr ? stderrClosed : stdoutClosed).TrySetResult();
            return;
        }

        (stderr ? this.stderr : stdout).Enqueue(line);
        all.Enqueue(stderr ? "err: " + line : line);
    }
}
