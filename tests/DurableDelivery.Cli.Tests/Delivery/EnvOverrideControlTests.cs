using System.Net.Sockets;
using System.Text.Json;
using DurableDelivery.Cli.Tests.Support;

namespace DurableDelivery.Cli.Tests.Delivery;

/// <summary>
/// <c>ddctl env rollback</c> as a process against a control socket the test serves itself: what the command hands to a
/// worker (its hand-written request line), and Ctrl-C / SIGTERM while it waits for the answer.
/// </summary>
public sealed class EnvOverrideControlTests
{
    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task EnvRollback_WaitingForTheWorker_Interrupted_Exits130(string signal)
    {
        using var dir = new TempDataDir();
        await using var worker = new SilentWorker(dir.Path);
        const string Reason = "v2 \"5xx\" on\tcheckout\\cart: café ✓";

        await using var rollback = new BackgroundDdctl(["env", "rollback", "demo", "--reason", Reason, "--as", "oncall", "--to", "demo-sample-v1-0001", "--data-dir", dir.Path]);
        using var request = await worker.Request.WaitAsync(TimeSpan.FromSeconds(30));

        // The line the command wrote by hand is JSON that reads back to exactly what was asked.
        var r = request.RootElement;
        r.GetProperty("update").GetString().ShouldBe("rollback");
        r.GetProperty("environment").GetString().ShouldBe("demo");
        r.GetProperty("reason").GetString().ShouldBe(Reason);
        r.GetProperty("requestedBy").GetString().ShouldBe("oncall");
        r.GetProperty("to").GetString().ShouldBe("demo-sample-v1-0001");
        r.GetProperty("timeoutMs").GetInt64().ShouldBe(30_000);
        Guid.TryParse(r.GetProperty("updateId").GetString(), out _).ShouldBeTrue();
        rollback.HasExited.ShouldBeFalse("it waits for the worker's answer");

        if (signal == "INT")
        {
            Posix.Interrupt(rollback.Id);
        }
        else
        {
            Posix.Terminate(rollback.Id);
        }

        await rollback.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        rollback.ExitCode.ShouldBe(130, rollback.Output);
        rollback.Stderr.Trim().ShouldBe("error: ddctl env rollback interrupted.");
    }

    /// <summary>A "worker" that listens on the data dir's control socket, reads one request and never answers.</summary>
    private sealed class SilentWorker : IAsyncDisposable
    {
        private readonly Socket listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly TaskCompletionSource<JsonDocument> request = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task serving;
        private Socket? connection;

        public SilentWorker(string dataDir)
        {
            var control = Directory.CreateDirectory(Path.Combine(dataDir, "control")).FullName;
            listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(control, $"{Environment.ProcessId}.sock")));
            listener.Listen(1);
            serving = ServeAsync();
        }

        public Task<JsonDocument> Request => request.Task;

        public async ValueTask DisposeAsync()
        {
            listener.Dispose();
            connection?.Dispose();
            await serving;
        }

        private async Task ServeAsync()
        {
            try
            {
                connection = await listener.AcceptAsync();
                var received = new MemoryStream();
                var chunk = new byte[4096];
                while (true)
                {
                    var n = await connection.ReceiveAsync(chunk);
                    if (n == 0)
                    {
                        break;
                    }

                    received.Write(chunk, 0, n);
                    if (chunk[n - 1] == (byte)'\n')
                    {
                        request.TrySetResult(JsonDocument.Parse(received.ToArray()));
                        return;
                    }
                }

                request.TrySetException(new InvalidOperationException("the command closed the socket before a whole request line"));
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                request.TrySetException(e);
            }
        }
    }
}
