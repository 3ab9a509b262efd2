using System.Globalization;
using DurableDelivery.Providers.Local.Server;

namespace DurableDelivery.Providers.Local;

/// <summary>
/// Entry point of the provider process: <c>dotnet DurableDelivery.Providers.Local.dll serve --data-dir DIR
/// [--artifacts-dir DIR] [--control-port N] [--foreground]</c>. Started by <see cref="LocalProviderProcess"/> (and so by
/// <c>ddctl local up</c>); a separate executable so that it depends on neither the CLI nor Temporal.
/// </summary>
internal static class Program
{
    private const string Usage = "usage: DurableDelivery.Providers.Local serve --data-dir DIR [--artifacts-dir DIR] [--control-port N] [--foreground]";

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] != "serve")
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        var options = new LocalProviderOptions();
        for (var i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value. {Usage}");
            try
            {
                options = args[i] switch
                {
                    "--data-dir" => options with { DataDirectory = Value() },
                    "--artifacts-dir" => options with { ArtifactsDirectory = Path.GetFullPath(Value()) },
                    "--control-port" => options with { ControlPort = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--health-interval-ms" => options with { HealthCheckInterval = TimeSpan.FromMilliseconds(int.Parse(Value(), CultureInfo.InvariantCulture)) },
                    "--upstream-timeout-ms" => options with { UpstreamTimeout = TimeSpan.FromMilliseconds(int.Parse(Value(), CultureInfo.InvariantCulture)) },
                    "--foreground" => options with { LogToConsole = true },
                    _ => throw new ArgumentException($"Unknown option '{args[i]}'. {Usage}"),
                };
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return 2;
            }
        }

        return await ProviderHost.RunAsync(options);
    }
}
