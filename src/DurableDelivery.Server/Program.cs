using DurableDelivery.Server.Hosting;

return await ServerMain.RunAsync(args).ConfigureAwait(false);
