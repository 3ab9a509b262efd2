using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DurableDelivery.Engine.Storage;

/// <summary>
/// Wake-ups between processes that share one store. Each process that opens the store binds a Unix datagram socket in
/// the store's wake directory (<c>&lt;data-dir&gt;/wake/</c>); after each commit, the keys the commit pulsed
/// (<see cref="StoreNotifier"/>) are sent as one datagram to every other process's socket, which pulses them there. So a
/// worker hears of a signal or an update that <c>ddctl</c> wrote, and <c>ddctl</c> hears of the result, within a
/// commit instead of a poll interval.
/// </summary>
/// <remarks>
/// Best effort by design: a lost datagram, a full socket buffer or a platform without Unix sockets costs only latency,
/// because every waiter still polls the store (<c>PollInterval</c>). Peers are found by listing the directory when this
/// process opens the store, at most once a second while it sends, and whenever a datagram arrives from a socket not yet
/// known. A socket file left by a killed process refuses datagrams and is deleted by the first sender that finds it.
/// </remarks>
internal sealed class CrossProcessWake : IDisposable
{
    /// <summary>The key that stands for "every key": sent when the keys do not fit in one datagram.</summary>
    public const string Everything = "*";

    private const int MaxDatagram = 4096;
    private const int MaxSocketPath = 107;
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(1);

    private readonly Socket socket;
    private readonly string directory;
    private readonly string ownPath;
    private readonly StoreNotifier notifier;
    private readonly ConcurrentDictionary<string, UnixDomainSocketEndPoint> peers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private readonly Task receiving;
    private long lastRefresh;

    private CrossProcessWake(Socket socket, string directory, string ownPath, StoreNotifier notifier)
    {
        this.socket = socket;
        this.directory = directory;
        this.ownPath = ownPath;
        this.notifier = notifier;
        Refresh();
        receiving = Task.Run(ReceiveAsync);

        // Say hello (an empty datagram) so that processes already on the store answer this one from their next commit on.
        Send([]);
    }

    /// <summary>Gets the number of other processes this one currently sends to (for tests).</summary>
    public int PeerCount => peers.Count;

    /// <summary>Gets the path of this process's socket.</summary>
    public string SocketPath => ownPath;

    /// <summary>
    /// Binds this process's socket for the store in <paramref name="dataDir"/>; <see langword="null"/> when the platform
    /// has no Unix domain sockets or the socket cannot be bound (then only polling wakes other processes).
    /// </summary>
    public static CrossProcessWake? TryCreate(string dataDir, StoreNotifier notifier)
    {
        if (!Socket.OSSupportsUnixDomainSockets)
        {
            return null;
        }

        var directory = WakeDirectory(dataDir);
        var name = $"{Environment.ProcessId}-{Random.Shared.Next():x8}.sock";
        var path = Path.Combine(directory, name);
        Socket? socket = null;
        try
        {
            Directory.CreateDirectory(directory);
            socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false };
            socket.Bind(new UnixDomainSocketEndPoint(path));
            return new CrossProcessWake(socket, directory, path, notifier);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
        {
            socket?.Dispose();
            return null;
        }
    }

    /// <summary>
    /// The directory of the store's sockets: <c>&lt;data-dir&gt;/wake</c>, or, when a socket path there would be longer
    /// than Unix allows (107 bytes), a directory under the temp dir named after a hash of the data dir's full path.
    /// </summary>
    public static string WakeDirectory(string dataDir)
    {
        var inDataDir = Path.Combine(dataDir, "wake");

        // pid (up to 7 digits) + '-' + 8 hex + ".sock" + the separator: 22 bytes.
        if (Encoding.UTF8.GetByteCount(inDataDir) + 22 <= MaxSocketPath)
        {
            return inDataDir;
        }

        return Path.Combine(Path.GetTempPath(), "durable-delivery-wake", Fnv1a(Path.GetFullPath(dataDir)).ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Sends the keys a commit pulsed to every other process on the store (none: a hello). Never throws.</summary>
    public void Send(IReadOnlyCollection<string> keys)
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref lastRefresh) >= RefreshEvery.TotalMilliseconds)
        {
            Refresh();
        }

        if (peers.IsEmpty)
        {
            return;
        }

        var payload = Encode(keys);
        foreach (var (path, endpoint) in peers)
        {
            try
            {
                socket.SendTo(payload, SocketFlags.None, endpoint);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
            {
                // Nobody is bound there: the process that made it was killed. Forget it and remove its file.
                Forget(path, deleteFile: true);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.InvalidArgument)
            {
                Forget(path, deleteFile: false);
            }
            catch (SocketException)
            {
                // A full buffer (the peer is busy) or the file just went away: the peer polls anyway.
                if (!File.Exists(path))
                {
                    Forget(path, deleteFile: false);
                }
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        socket.Dispose();
        try
        {
            receiving.Wait(TimeSpan.FromSeconds(1));
        }
        catch (AggregateException)
        {
            // The receive loop ends with the socket.
        }

        TryDelete(ownPath);
        stop.Dispose();
    }

    /// <summary>FNV-1a over UTF-8: a stable name for a path (no cryptography: loading OpenSSL costs a CLI start-up 20 ms).</summary>
    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static byte[] Encode(IReadOnlyCollection<string> keys)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        var text = string.Join('\n', keys);
        var bytes = Encoding.UTF8.GetBytes(text);
        return bytes.Length <= MaxDatagram ? bytes : Encoding.UTF8.GetBytes(Everything);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Someone else removed or owns it.
        }
    }

    private void Forget(string path, bool deleteFile)
    {
        if (peers.TryRemove(path, out _) && deleteFile)
        {
            TryDelete(path);
        }
    }

    private void Refresh()
    {
        Interlocked.Exchange(ref lastRefresh, Environment.TickCount64);
        string[] files;
        try
        {
            files = Directory.GetFiles(directory, "*.sock");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        var seen = new HashSet<string>(files, StringComparer.Ordinal);
        foreach (var path in peers.Keys)
        {
            if (!seen.Contains(path))
            {
                peers.TryRemove(path, out _);
            }
        }

        foreach (var path in files)
        {
            if (!string.Equals(path, ownPath, StringComparison.Ordinal))
            {
                peers.TryAdd(path, new UnixDomainSocketEndPoint(path));
            }
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[MaxDatagram];
        EndPoint any = new UnixDomainSocketEndPoint(ownPath);
        while (!stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // Closed, or broken: either way the waiters go on polling.
                return;
            }

            if (received.RemoteEndPoint is UnixDomainSocketEndPoint { } from && from.ToString() is { Length: > 0 } sender
                && !string.Equals(sender, ownPath, StringComparison.Ordinal) && !peers.ContainsKey(sender))
            {
                // A process that opened the store after this one's last look: answer it from now on.
                peers.TryAdd(sender, new UnixDomainSocketEndPoint(sender));
            }

            var text = Encoding.UTF8.GetString(buffer, 0, received.ReceivedBytes);
            foreach (var key in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (key == Everything)
                {
                    notifier.PulseEverything();
                }
                else
                {
                    notifier.Pulse(key);
                }
            }
        }
    }
}
