using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.E2E.Tests.Deliveries;

/// <summary>
/// The rig's set-up delivery (<see cref="DeliveryRig.DeliverAndSettleAsync"/>) resumes a gate that pauses as inconclusive,
/// a bounded number of times. Without load on the listener every gate of the second delivery has no data, so it pauses
/// at the 10% step every time it is judged: the rig resumes it <see cref="DeliveryRig.MaxInconclusiveResumes"/> times,
/// each resume reaching the delivery (it bakes again), and then fails the test, naming the pause.
/// </summary>
public sealed class RigSetUpTests() : RigTest(new RigOptions { RequestsPerSecond = 0 })
{
    [Fact]
    public async Task DeliverAndSettle_ResumesInconclusiveGates_ThenGivesUp()
    {
        await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted);
        Rig.InconclusiveResumes.ShouldBeEmpty("the first delivery has no stable infra-set to compare with: no gate");

        ShouldAssertException? failure = null;
        try
        {
            await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v2"), DeliveryOutcome.Promoted);
        }
        catch (ShouldAssertException e)
        {
            failure = e;
        }

        failure.ShouldNotBeNull("the set-up gives up after the last resume");
        failure.Message.ShouldContain("delivery/demo/2 paused as inconclusive again: gate inconclusive at step 1: too little data");
        Rig.InconclusiveResumes.Count.ShouldBe(DeliveryRig.MaxInconclusiveResumes);

        // Every resume reached the delivery: its timeline has one Resumed per resume, each followed by another pause.
        var status = await Rig.DeliveryStatusAsync("delivery/demo/2");
        status.Paused.ShouldBeTrue();
        status.StepIndex.ShouldBe(0);
        status.Timeline.Count(t => t.Kind == "Resumed").ShouldBe(DeliveryRig.MaxInconclusiveResumes);
        status.Timeline.Count(t => t.Kind == "Paused").ShouldBe(DeliveryRig.MaxInconclusiveResumes + 1);
    }
}
