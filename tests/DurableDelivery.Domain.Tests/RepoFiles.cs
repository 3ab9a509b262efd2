namespace DurableDelivery.Domain.Tests;

/// <summary>Reads the example files shipped under infra/ (the domain library itself never reads files).</summary>
internal static class RepoFiles
{
    public static string Read(string relativePath)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DurableDelivery.sln")))
        {
            dir = dir.Parent;
        }

        return File.ReadAllText(Path.Combine(dir!.FullName, relativePath));
    }
}
