using Amazon.Runtime;
using DurableDelivery.Providers.Aws.Query;

namespace DurableDelivery.Providers.Aws.Tests.Query;

/// <summary>
/// The parts moto cannot check: moto accepts any signature, so the signer is held to AWS's published SigV4 test suite
/// vector for a form-encoded POST; and the retry delays stay within the capped, jittered bounds.
/// </summary>
public sealed class SigningAndRetryTests
{
    [Fact]
    public void SignPost_AwsTestSuitePostFormUrlencoded_MatchesPublishedAuthorization()
    {
        // aws-sig-v4-test-suite "post-x-www-form-urlencoded": AWS's published request and Authorization header.
        var identity = new ImmutableCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
        var headers = SigV4.SignPost(
            new Uri("https://example.amazonaws.com/"),
            "application/x-www-form-urlencoded",
            "Param1=value1",
            identity,
            "us-east-1",
            "service",
            new DateTime(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc)).ToDictionary(h => h.Name, h => h.Value);

        headers["X-Amz-Date"].ShouldBe("20150830T123600Z");
        headers["Authorization"].ShouldBe(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, "
            + "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
    }

    [Fact]
    public void SignPost_SessionToken_IsSignedAndSent()
    {
        var headers = SigV4.SignPost(new Uri("http://127.0.0.1:5000/"), "application/x-www-form-urlencoded; charset=utf-8", "Action=X", new ImmutableCredentials("AK", "SK", "TOKEN"), "eu-west-1", "elasticloadbalancing", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc))
            .ToDictionary(h => h.Name, h => h.Value);
        headers["X-Amz-Security-Token"].ShouldBe("TOKEN");
        headers["Authorization"].ShouldStartWith("AWS4-HMAC-SHA256 Credential=AK/20260102/eu-west-1/elasticloadbalancing/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=");
    }

    [Fact]
    public void DelayBefore_FullJitterWithinCappedExponentialBound()
    {
        var retry = new AwsRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(2) };
        var random = new Random(42);
        for (var attempt = 1; attempt <= 12; attempt++)
        {
            var bound = Math.Min(2000, 100 * Math.Pow(2, attempt - 1));
            var delays = Enumerable.Range(0, 200).Select(_ => retry.DelayBefore(attempt, random).TotalMilliseconds).ToList();
            delays.ShouldAllBe(d => d >= 0 && d <= bound);
            delays.Max().ShouldBeGreaterThan(bound * 0.8, "full jitter spreads over the whole bound");
            delays.Min().ShouldBeLessThan(bound * 0.2);
        }
    }
}
