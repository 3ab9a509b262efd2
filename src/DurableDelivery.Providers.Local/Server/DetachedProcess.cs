using System.Diagnostics;
using System.Globalization;
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
    public static bool IsAlive(int pid) => ReadStat(pid) is { } stat && stat.State is not ('Z' or 'X');

    /// <summary>A live process with its parent and environment, or null when it is gone, a zombie or unreadable.</summary>
    public static ScannedProcess? Inspect(int pid) => Inspect(pid, marker: null);

    /// <summary>
    /// One pass over /proc: every live (non-zombie) process but this one whose environment carries
    /// <paramref name="name"/>=<paramref name="value"/>, with its environment, in pid order.
    /// </summary>
    /// <remarks>
    /// Each process's <c>environ</c> is read; its <c>stat</c> is read and its environment parsed only when it carries the
    /// marker. Processes that vanish or cannot be read (another user's) mid-scan are skipped. <c>environ</c> is the
    /// environment the process was started with (<c>execve</c>): it does not change when the process later sets or unsets
    /// variables.
    /// </remarks>
    public static IReadOnlyList<ScannedProcess> FindByEnvironment(string name, string value)
    {
        var marker = Marker(name, value);
        var self = Environment.ProcessId;
        var found = new List<ScannedProcess>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }

            if (Inspect(pid, marker) is { } process)
            {
                found.Add(process);
            }
        }

        found.Sort((a, b) => a.ProcessId.CompareTo(b.ProcessId));
        return found;
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

    private static ScannedProcess? Inspect(int pid, byte[]? marker) =>
        ReadEnviron(pid) is { } environ && (marker is null || Carries(environ, marker)) && ReadStat(pid) is { State: not ('Z' or 'X') } stat
            ? new ScannedProcess(pid, stat.ParentId, Parse(environ))
            : null;

    private static byte[] Marker(string name, string value) => Encoding.UTF8.GetBytes($"{name}={value}\0");

    /// <summary>Whether one of the NUL-separated entries is exactly the marker (not a suffix of a longer name).</summary>
    private static bool Carries(ReadOnlySpan<byte> environ, ReadOnlySpan<byte> marker)
    {
        var offset = 0;
        while (offset < environ.Length)
        {
            var at = environ[offset..].IndexOf(marker);
            if (at < 0)
            {
                return false;
            }

            if (offset + at == 0 || environ[offset + at - 1] == 0)
            {
                return true;
            }

            offset += at + 1;
        }

        return false;
    }

    /// <summary>The state letter and parent pid from <c>/proc/&lt;pid&gt;/stat</c>, or null when the process is gone or unreadable.</summary>
    private static (char State, int ParentId)? ReadStat(int pid)
    {
        try
        {
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so parse from the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 3);
            return fields.Length >= 2 && fields[0].Length > 0 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
                ? (fields[0][0], parent)
                : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static byte[]? ReadEnviron(int pid)
    {
        try
        {
            return File.ReadAllBytes($"/proc/{pid}/environ");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> Parse(byte[] environ)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Encoding.UTF8.GetString(environ).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                variables[entry[..equals]] = entry[(equals + 1)..];
            }
        }

        return variables;
    }
}
