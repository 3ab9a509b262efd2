namespace DurableDelivery.E2E.Tests.Support;

/// <summary>A test class whose every test gets a fresh <see cref="DeliveryRig"/>, disposed (every process killed) even when the test fails.</summary>
/// <param name="options">How the rig's environment differs from the defaults.</param>
public abstract class RigTest(RigOptions? options = null) : IAsyncLifetime
{
    protected DeliveryRig Rig { get; private set; } = null!;

    public async Task InitializeAsync() => Rig = await DeliveryRig.StartAsync(options);

    public async Task DisposeAsync()
    {
        if (Rig is not null)
        {
            await Rig.DisposeAsync();
        }
    }
}
