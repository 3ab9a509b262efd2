using System.Globalization;
using DurableDelivery.Providers.Aws.Query;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Providers.Aws;

/// <summary>
/// Header rules: each infra-set's target group is also the target of a listener rule matching
/// <c>X-DD-Infra-Set: &lt;id&gt;</c>. An ALB health-checks only target groups a listener uses (others report
/// <c>unused</c> / <c>Target.NotInUse</c>), so without the rule a new infra-set could never become healthy before it
/// takes traffic; the rule also lets people reach one infra-set directly, whatever the weights.
/// </summary>
public sealed partial class AwsInfraProvider
{
    /// <summary>Finds or creates the infra-set's header rule; returns its ARN.</summary>
    private async Task<string> EnsureHeaderRuleAsync(string listenerArn, string infraSetId, string targetGroupArn, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var rules = await clients.LoadBalancing.DescribeRulesAsync(listenerArn, cancellationToken).ConfigureAwait(false);
            if (rules.FirstOrDefault(r => r.HeaderValues.Contains(infraSetId) && r.TargetGroupArns.Contains(targetGroupArn)) is { } existing)
            {
                return existing.Arn;
            }

            var taken = rules.Select(r => int.TryParse(r.Priority, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0).ToHashSet();
            var priority = AwsNames.RulePriority(infraSetId);
            while (taken.Contains(priority))
            {
                priority = priority % 50_000 + 1;
            }

            try
            {
                var arn = await clients.LoadBalancing.CreateHeaderRuleAsync(listenerArn, priority, AwsNames.InfraSetHeader, infraSetId, targetGroupArn, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Infra-set {InfraSetId}: listener rule {Rule} (priority {Priority}, {Header}: {InfraSetId})", infraSetId, arn, priority, AwsNames.InfraSetHeader, infraSetId);
                return arn;
            }
            catch (AwsQueryException e) when (e.Code == "PriorityInUse" && attempt < 5)
            {
                // Another attempt (or another infra-set) took the priority between the read and the create: read again.
            }
        }
    }

    /// <summary>Deletes every rule of the listener that forwards to the target group (before the target group can go).</summary>
    private async Task DeleteRulesToAsync(string listenerArn, string targetGroupArn, CancellationToken cancellationToken)
    {
        foreach (var rule in (await clients.LoadBalancing.DescribeRulesAsync(listenerArn, cancellationToken).ConfigureAwait(false))
            .Where(r => r.Priority != "default" && r.TargetGroupArns.Contains(targetGroupArn)))
        {
            await clients.LoadBalancing.DeleteRuleAsync(rule.Arn, cancellationToken).ConfigureAwait(false);
        }
    }
}
