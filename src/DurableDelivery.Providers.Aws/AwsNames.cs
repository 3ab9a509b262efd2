using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DurableDelivery.Providers.Aws;

/// <summary>
/// How infra-sets are named and tagged on AWS. Names derive from the idempotency key, so a retried create finds what an
/// earlier attempt made (find-before-create) even when that attempt died before tagging anything.
/// </summary>
internal static class AwsNames
{
    public const string EnvironmentTag = "dd:environment";
    public const string InfraSetTag = "dd:infra-set";
    public const string KeyTag = "dd:idempotency-key";
    public const string DigestTag = "dd:spec-digest";
    public const string ArtifactTag = "dd:artifact";
    public const string VersionTag = "dd:version";
    public const string InstancesTag = "dd:instances";
    public const string HealthPathTag = "dd:health-path";
    public const string SettingTagPrefix = "dd:setting:";

    public const string WeightsKeyTag = "dd:weights-key";
    public const string WeightsDigestTag = "dd:weights-digest";
    public const string WeightsRevisionTag = "dd:weights-revision";
    public const string WeightsAppliedAtTag = "dd:weights-applied-at";
    public const string TombstoneTagPrefix = "dd:deleted:";

    /// <summary>Separates the fields of a tombstone tag's value (ELB tag values allow letters, digits, spaces and
    /// _.:/=+-@).</summary>
    public const char TombstoneSeparator = '@';

    /// <summary>How many deleted infra-sets a listener remembers (tags; a resource holds at most 50).</summary>
    public const int MaxTombstones = 25;

    public const string DefaultHealthCheckPath = "/healthz";

    /// <summary><c>&lt;environment&gt;-&lt;artifact&gt;-&lt;6 hex of the key&gt;</c>, e.g.
    /// <c>staging-ami-0abc-3f9a1c</c>.</summary>
    public static string InfraSetId(InfraSetSpec spec, string idempotencyKey)
    {
        var artifact = new string([.. spec.ArtifactId.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        if (artifact.Length > 24)
        {
            artifact = artifact[..24];
        }

        return $"{spec.Environment}-{artifact}-{Hex(idempotencyKey)[..6]}";
    }

    /// <summary>The Auto Scaling group: <c>dd-&lt;infra-set id&gt;</c>.</summary>
    public static string GroupName(string infraSetId) => $"dd-{infraSetId}";

    /// <summary>The target group (at most 32 characters): <c>dd-&lt;10 hex of the infra-set id&gt;</c>; its tags name
    /// the infra-set.</summary>
    public static string TargetGroupName(string infraSetId) => $"dd-{Hex("tg:" + infraSetId)[..10]}";

    /// <summary>The launch template version's description, by which a retry finds it.</summary>
    public static string TemplateVersionDescription(string infraSetId) => $"dd:{infraSetId}";

    /// <summary>The request header whose value (an infra-set id) routes a request to that infra-set alone.</summary>
    public const string InfraSetHeader = "X-DD-Infra-Set";

    /// <summary>
    /// The preferred priority of an infra-set's header rule (1-50000), derived from its id so that retries and
    /// concurrent attempts pick the same one; taken priorities are skipped in order.
    /// </summary>
    public static int RulePriority(string infraSetId) =>
        1 + (int)(BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes("rule:" + infraSetId)), 0) % 50_000);

    /// <summary>A digest of everything in the spec, so a retry can be told from a changed spec.</summary>
    public static string SpecDigest(InfraSetSpec spec)
    {
        var text = new StringBuilder()
            .Append(spec.Environment).Append('\n')
            .Append(spec.ArtifactId).Append('\n')
            .Append(spec.InstanceCount.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(spec.HealthCheckPath ?? string.Empty).Append('\n');
        foreach (var (key, value) in spec.Settings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append('=').Append(value).Append('\n');
        }

        return Hex(text.ToString())[..16];
    }

    /// <summary>A digest of a weight table.</summary>
    public static string WeightsDigest(IReadOnlyDictionary<string, int> weights) =>
        Hex(string.Join('\n', weights.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key}={w.Value}")))[..16];

    /// <summary>A tag value for an idempotency key (tag values hold at most 256 characters).</summary>
    public static string KeyValue(string idempotencyKey) =>
        idempotencyKey.Length <= 200 && idempotencyKey.All(c => char.IsLetterOrDigit(c) || c is ' ' or '_' or '.' or ':' or '/' or '=' or '+' or '-' or '@')
            ? idempotencyKey
            : "sha256:" + Hex(idempotencyKey);

    /// <summary>The tags of every resource of an infra-set.</summary>
    public static Dictionary<string, string> Tags(string infraSetId, InfraSetSpec spec, string idempotencyKey, string version) =>
        new(StringComparer.Ordinal)
        {
            [EnvironmentTag] = spec.Environment,
            [InfraSetTag] = infraSetId,
            [KeyTag] = KeyValue(idempotencyKey),
            [DigestTag] = SpecDigest(spec),
            [ArtifactTag] = spec.ArtifactId,
            [VersionTag] = version,
            [InstancesTag] = spec.InstanceCount.ToString(CultureInfo.InvariantCulture),
            [HealthPathTag] = spec.HealthCheckPath ?? string.Empty,
        };

    /// <summary>Rebuilds the spec from an infra-set's tags.</summary>
    public static InfraSetSpec SpecFromTags(IReadOnlyDictionary<string, string> tags) => new()
    {
        Environment = tags.GetValueOrDefault(EnvironmentTag, string.Empty),
        ArtifactId = tags.GetValueOrDefault(ArtifactTag, string.Empty),
        InstanceCount = int.TryParse(tags.GetValueOrDefault(InstancesTag), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0,
        HealthCheckPath = tags.GetValueOrDefault(HealthPathTag) is { Length: > 0 } path ? path : null,
        Settings = tags.Where(t => t.Key.StartsWith(SettingTagPrefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Key[SettingTagPrefix.Length..], t => t.Value, StringComparer.Ordinal),
    };

    /// <summary>The CloudWatch <c>LoadBalancer</c> dimension (<c>app/&lt;name&gt;/&lt;id&gt;</c>) of a load balancer or
    /// listener ARN.</summary>
    public static string LoadBalancerDimension(string arn)
    {
        var marker = arn.Contains(":listener/", StringComparison.Ordinal) ? ":listener/" : ":loadbalancer/";
        var parts = arn[(arn.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Split('/');
        return string.Join('/', parts.Take(3));
    }

    /// <summary>The CloudWatch <c>TargetGroup</c> dimension (<c>targetgroup/&lt;name&gt;/&lt;id&gt;</c>) of a target
    /// group ARN.</summary>
    public static string TargetGroupDimension(string arn) => arn[arn.IndexOf("targetgroup/", StringComparison.Ordinal)..];

    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
