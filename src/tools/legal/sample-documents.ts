/** Sample documents to review. Fictional parties; every title says SAMPLE. */
export interface SampleDocument {
  id: string;
  matter: string;
  kind: string;
  title: string;
  body: (dates: { signedOn: string; effective: string }) => string;
}

export const SAMPLE_DOCUMENTS: SampleDocument[] = [
  {
    id: 'sample-doc-msa',
    matter: 'sample-matter-004',
    kind: 'contract',
    title: 'Master Services Agreement - Northwind Software / Bluepeak Analytics (draft v3) [SAMPLE]',
    body: ({ effective }) => `MASTER SERVICES AGREEMENT
SAMPLE DATA - fictional agreement for the Sapflow demo.

This Master Services Agreement (the "Agreement") is entered into as of ${effective} (the "Effective Date") by and between Northwind Software Inc., a Delaware corporation with offices at 42 Harbor Street, Springfield ("Customer"), and Bluepeak Analytics Ltd., a company registered in England with offices at 9 Fleet Lane, London ("Provider").

1. SERVICES
1.1 Provider shall provide the data analytics platform and related services described in each Statement of Work (the "Services").
1.2 Provider may modify, suspend or discontinue any part of the Services at its sole discretion upon notice to Customer.

2. FEES AND PAYMENT
2.1 Customer shall pay the annual subscription fee of $240,000 (two hundred forty thousand US dollars), invoiced quarterly in advance.
2.2 Invoices are payable within ninety (90) days of receipt. Late payments bear interest at 1.5% per month.
2.3 Provider may increase the fees by up to 12% on each anniversary of the Effective Date.

3. TERM AND TERMINATION
3.1 The initial term is three (3) years. This Agreement automatically renews for successive three-year terms unless either party gives notice of non-renewal at least one hundred eighty (180) days before the end of the then-current term.
3.2 Provider may terminate this Agreement for convenience at any time upon thirty (30) days' written notice. Customer may terminate only for Provider's uncured material breach.

4. CONFIDENTIALITY
4.1 Each party shall keep the other party's Confidential Information confidential in perpetuity.

5. INTELLECTUAL PROPERTY
5.1 All data, reports and models generated through the Services, including Customer Data as processed, shall be owned exclusively by Provider.

6. INDEMNIFICATION
6.1 Customer shall indemnify, defend and hold harmless Provider and its affiliates from and against any and all claims, losses, damages and expenses arising out of or relating to Customer's use of the Services.

7. LIMITATION OF LIABILITY
7.1 In no event shall Provider's aggregate liability exceed the fees paid by Customer in the one (1) month preceding the claim. Customer's liability under this Agreement shall be unlimited.

8. NON-SOLICITATION
8.1 For a period of five (5) years after termination, Customer shall not solicit or hire any employee of Provider.

9. GENERAL
9.1 Provider may assign this Agreement without Customer's consent. Customer may not assign this Agreement without Provider's prior written consent.
9.2 Service credits are Customer's sole and exclusive remedy for any failure of the Services.
9.3 Notices shall be sent to the addresses above, attention: [___________].

IN WITNESS WHEREOF, the parties have executed this Agreement as of the Effective Date.

NORTHWIND SOFTWARE INC.               BLUEPEAK ANALYTICS LTD.
By: Emma Clarke, Chief Executive Officer   By: Oliver Grant, Managing Director
Date: ____________                     Date: ____________
`,
  },
  {
    id: 'sample-doc-lease',
    matter: 'sample-matter-006',
    kind: 'lease',
    title: 'Commercial Lease Renewal - Oakridge Dental Group / Summit Commercial Realty [SAMPLE]',
    body: ({ signedOn }) => `LEASE RENEWAL AGREEMENT
SAMPLE DATA - fictional lease for the Sapflow demo.

This Lease Renewal Agreement is made on ${signedOn} between Summit Commercial Realty LLC ("Landlord") and Oakridge Dental Group PC ("Tenant") for the premises at 780 Oakridge Avenue, Unit 3, Springfield (the "Premises").

1. TERM. The lease term is renewed for five (5) years.
2. RENT. Base rent is $6,800 per month, increasing 3% each year, payable on the first day of each month.
3. SECURITY DEPOSIT. Landlord holds a security deposit of $13,600.
4. MAINTENANCE. Tenant is responsible for HVAC maintenance; Landlord is responsible for the roof and structure.
5. GOVERNING LAW. This Agreement is governed by the laws of the State of Illinois.

Signed: Margaret Hale, for Summit Commercial Realty LLC; Dr. Samuel Ortiz, for Oakridge Dental Group PC.
`,
  },
];
