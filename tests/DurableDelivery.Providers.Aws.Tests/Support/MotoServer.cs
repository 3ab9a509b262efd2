using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DurableDelivery.Providers.Aws.Tests.Support;

/// <summary>
/// A real <c>moto_server</c> (moto 5.2.1, an AWS API emulator) on a free loopback port, shared by every test of the
/// assembly; each test works in its own environment (own load balancer, listener, template and tags). Killed on
/// dispose.
/// </summary>
public sealed class MotoServer : IAsyncLifetime
{
    private Process? process;

    public Uri Url { get; private set; } = new("http://127.0.0.1:1/");

    public async Task InitializeAsync()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("moto_server", ["-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The emulator must never see the machine's AWS settings.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("moto_server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("moto_server is not on PATH: install moto 5.2.1 with its server extra (pip install 'moto[server]==5.2.1').", e);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Url = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient();
        await Eventually.EventuallyAsync(
            async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"moto_server exited with code {process.ExitCode}");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri(Url, "moto-api/"));
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            $"moto_server answering on {Url}");
    }

    public Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process?.Dispose();
        return Task.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoServer>
{
    public const string Name = "moto";
}
