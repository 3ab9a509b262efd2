using System.Diagnostics;
using System.Text;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// Starts processes that outlive their starter: in a new session (<c>setsid</c>), stdin from /dev/null, stdout and stderr
/// appended to a log file by the shell that then <c>exec</c>s the command, so the pid is the command's own and no pipe ties
/// the child to the parent (a SIGKILLed provider leaves its instances serving, to be re-adopted).
/// </summary>
internal static class DetachedProcess
{
    private const string Script = "exec \"$0\" \"$@\" </dev/null >>\"$DD_LOG_FILE\" 2>&1";

    public static Process Start(string command, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string logFile, string? workingDirectory = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var setsid = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : null;
        var info = new ProcessStartInfo(setsid ?? "/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        if (setsid is not null)
        {
            info.ArgumentList.Add("/bin/sh");
        }

        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add(command);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        info.Environment["DD_LOG_FILE"] = logFile;
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{command}'.");
    }

    /// <summary>Whether a process of this pid exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].TrimStart();
            return state.Length > 0 && state[0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether the process of this pid carries the environment variable <paramref name="name"/>=<paramref name="value"/>: proof it is ours, not a recycled pid.</summary>
    public static bool HasEnvironment(int pid, string name, string value)
    {
        try
        {
            var environ = File.ReadAllBytes($"/proc/{pid}/environ");
            var marker = Encoding.UTF8.GetBytes($"{name}={value}\0");
            return environ.AsSpan().IndexOf(marker) >= 0 && IsAlive(pid);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
            // Exited between lookup and kill.
        }
    }
}
