namespace DurableDelivery.Determinism.Tests.Support;

/// <summary>The exit code and the combined output of one dotnet CLI run.</summary>
public sealed record DotnetResult(int ExitCode, string Output);
