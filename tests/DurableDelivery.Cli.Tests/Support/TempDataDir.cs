namespace DurableDelivery.Cli.Tests.Support;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
public sealed class TempDataDir : IDisposable
{
    public TempDataDir()
    {
        Root = Directory.CreateTempSubdirectory("ddctl-tests-").FullName;
        Path = System.IO.Path.Combine(Root, "data");
    }

    /// <summary>Gets the parent folder (tests may put other files here).</summary>
    public string Root { get; }

    /// <summary>Gets the data dir path (not created: the worker or the test creates it).</summary>
    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A killed child may still hold a file for a moment; the OS temp cleaner gets it.
        }
    }
}
