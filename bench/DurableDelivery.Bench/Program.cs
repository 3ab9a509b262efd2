using System.Globalization;
using DurableDelivery.Bench;
using Microsoft.Data.Sqlite;

// Usage:
//   DurableDelivery.Bench [--quick] [--repeats N] [--duration SECONDS] [--only commit,throughput,resume] [--resume-count N] [--data-root DIR] [--keep]
//   DurableDelivery.Bench worker <dataDir> hold|resume <expectedHolds>    (child-process mode used by the resume figure)
if (args is ["worker", var childDir, var mode, var holds])
{
    return await WorkerChild.RunAsync(childDir, mode, int.Parse(holds, CultureInfo.InvariantCulture));
}

BenchSettings settings;
try
{
    settings = BenchSettings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchSettings.Usage);
    return 2;
}

return await new BenchRunner(settings).RunAsync();
