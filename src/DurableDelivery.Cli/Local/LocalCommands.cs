using System.CommandLine;
using DurableDelivery.Cli.Common;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Local;

namespace DurableDelivery.Cli.Local;

/// <summary>
/// <c>ddctl local up|down|status|load</c>: the local infrastructure provider, a long-lived process of its own
/// (<c>dotnet DurableDelivery.Providers.Local.dll serve</c>, shipped next to ddctl) so that stopping ddctl or a worker never stops traffic.
/// </summary>
internal static partial class LocalCommands
{
    /// <summary>Exit code when no provider process runs on the data dir (calls need one).</summary>
    public const int ProviderUnavailable = ExitCodes.Unavailable;

    private const string ExitHelp = "Exit codes: 0 ok, 1 bad input (the provider refused the request; nothing changed), 5 provider not running or not answering, 70 internal error, 130 interrupted.";

    public static Command Create() => CommandGroup.Create(
        "local",
        "Run the local infrastructure provider: infra-sets as loopback processes behind one weighted listener per environment. " + ExitHelp,
        Up(),
        Down(),
        Status(),
        Listener(),
        CreateInfraSet(),
        Weights(),
        Delete(),
        Load());

    /// <summary>Runs a provider call, turning provider errors into one line and an exit code.</summary>
    private static async Task<int> ProviderCallAsync(Func<Task<int>> call)
    {
        try
        {
            return await call();
        }
        catch (InfraProviderUnavailableException e)
        {
            throw new CliException(ProviderUnavailable, e.Message);
        }
        catch (InfraProviderException e) when (!e.IsRetryable || e.Reason == InfraProviderErrorReason.InfraSetNotHealthy)
        {
            throw new CliException(ExitCodes.BadInput, $"{e.Reason}: {e.Message}");
        }
    }

    private static Option<string?> ArtifactsDir() => new("--artifacts-dir")
    {
        Description = "Folder of artifact manifests (<artifact-id>.json). Defaults to the nearest infra/local/artifacts above the current folder.",
        HelpName = "dir",
    };

    private static string DataDirectory(ParseResult parse, Option<string> dataDir) => Path.GetFullPath(parse.GetValue(dataDir)!);
}
