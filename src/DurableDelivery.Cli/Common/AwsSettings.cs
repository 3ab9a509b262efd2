using System.CommandLine;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Aws;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Cli.Common;

/// <summary>
/// <c>--aws-settings &lt;file&gt;</c> (or <c>DD_AWS_SETTINGS</c>): the AWS provider's settings (docs/aws.md). Without
/// them ddctl serves local environments only; with them a worker routes the environments they name to AWS
/// (<see cref="EnvironmentRoutedProvider"/>) and <c>ddctl env status</c> probes those environments' readiness.
/// </summary>
internal static class AwsSettings
{
    /// <summary>The environment variable used when <c>--aws-settings</c> is not given.</summary>
    public const string Variable = "DD_AWS_SETTINGS";

    public static Option<string?> Option(string use) => new("--aws-settings")
    {
        Description = $"AWS provider settings (JSON, see infra/aws/provider.example.json): {use} Defaults to ${Variable}; without either, local environments only.",
        HelpName = "file",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? path : null,
    };

    /// <summary>Reads and validates the settings; a bad path or file is one bad-input line.</summary>
    /// <returns>The settings, or <see langword="null"/> when no file is given.</returns>
    public static AwsProviderOptions? Load(string? path)
    {
        if (path is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            throw CliException.BadInput("--aws-settings is empty; name the AWS provider settings file, e.g. --aws-settings infra/aws/provider.json.");
        }

        try
        {
            return BadInputIfRejected(() => AwsProviderOptions.Load(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.BadInput($"AWS provider settings file '{path}' cannot be read ({e.Message}); check the path and its permissions.");
        }
    }

    /// <summary>The AWS provider on these settings; missing credentials are one bad-input line.</summary>
    public static AwsInfraProvider? CreateProvider(AwsProviderOptions? options, ILoggerFactory? loggerFactory) =>
        options is null ? null : BadInputIfRejected(() => new AwsInfraProvider(options, loggerFactory));

    /// <summary>The provider a worker uses: the local one alone, or both routed by environment.</summary>
    /// <remarks>The router owns neither provider (it is not <see cref="IDisposable"/>): callers dispose both.</remarks>
    public static IInfraProvider Route(IInfraProvider local, AwsInfraProvider? aws) =>
        aws is null ? local : BadInputIfRejected(() => new EnvironmentRoutedProvider(local, aws));

    /// <summary>Runs <paramref name="make"/>; settings the provider rejects are one bad-input line.</summary>
    private static T BadInputIfRejected<T>(Func<T> make)
    {
        try
        {
            return make();
        }
        catch (InfraRequestRejectedException e)
        {
            throw CliException.BadInput(e.Message);
        }
    }
}
