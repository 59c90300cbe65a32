import { addDays, longDate, startOfDay } from './date-mentions.js';

/**
 * The sample firm, "Sample & Partners LLP (demo data)": fictional people and companies on `.example` domains.
 * Email dates and the deadlines written in them are relative to `now`, so the demo inbox is always "this fortnight".
 */
const NOTE = 'SAMPLE DATA - fictional, for the Sapflow demo.';
const FIRM = 'sample-partners.example';

export const SAMPLE_LAWYERS = {
  alice: { name: 'Alice Morgan', rate: 450 },
  david: { name: 'David Kim', rate: 375 },
  ben: { name: 'Ben Okafor', rate: 300 },
  carla: { name: 'Carla Reyes', rate: 150 },
} as const;

export const SAMPLE_CLIENTS = [
  { id: 'sample-client-001', name: 'Harbor Logistics LLC', email: 'legal@harborlogistics.example', phone: '+1 555 0111', kind: 'organization' },
  { id: 'sample-client-002', name: 'Maria Gonzalez', email: 'maria.gonzalez@mail.example', phone: '+1 555 0122', kind: 'individual' },
  { id: 'sample-client-003', name: 'Robert Chen', email: 'robert.chen@mail.example', phone: '+1 555 0133', kind: 'individual' },
  { id: 'sample-client-004', name: 'Northwind Software Inc.', email: 'legal@northwind.example', phone: '+1 555 0144', kind: 'organization' },
  { id: 'sample-client-005', name: 'Priya Patel', email: 'priya.patel@mail.example', phone: '+1 555 0155', kind: 'individual' },
  { id: 'sample-client-006', name: 'Oakridge Dental Group PC', email: 'office@oakridgedental.example', phone: '+1 555 0166', kind: 'organization' },
].map((c) => ({ ...c, status: 'active', notes: NOTE }));

export const SAMPLE_MATTERS = [
  { id: 'sample-matter-001', number: 'SP-001', client_id: 'sample-client-001', title: 'Harbor Logistics v. Brightwater Foods', matter_type: 'commercial litigation', status: 'open', lawyer: 'alice', opened_days_ago: 160 },
  { id: 'sample-matter-002', number: 'SP-002', client_id: 'sample-client-002', title: 'Gonzalez v. Apex Retail Group (wrongful termination)', matter_type: 'employment', status: 'open', lawyer: 'david', opened_days_ago: 75 },
  { id: 'sample-matter-003', number: 'SP-003', client_id: 'sample-client-003', title: 'Chen Family Trust - estate plan', matter_type: 'estate planning', status: 'open', lawyer: 'alice', opened_days_ago: 40 },
  { id: 'sample-matter-004', number: 'SP-004', client_id: 'sample-client-004', title: 'Northwind Software - Bluepeak MSA negotiation', matter_type: 'commercial contracts', status: 'open', lawyer: 'david', opened_days_ago: 20 },
  { id: 'sample-matter-005', number: 'SP-005', client_id: 'sample-client-005', title: 'Patel v. Lakeside Property Management', matter_type: 'landlord-tenant', status: 'open', lawyer: 'ben', opened_days_ago: 30 },
  { id: 'sample-matter-006', number: 'SP-006', client_id: 'sample-client-006', title: 'Oakridge Dental - office lease renewal', matter_type: 'real estate', status: 'closed', lawyer: 'ben', opened_days_ago: 120 },
] as const;

export const SAMPLE_ADVERSE_PARTIES = [
  { id: 'sample-adverse-001', matter_id: 'sample-matter-001', name: 'Brightwater Foods Inc.', email: 'legal@brightwaterfoods.example', role: 'opposing party' },
  // also writes to the firm asking to be a client: the conflict case of the intake demo
  { id: 'sample-adverse-002', matter_id: 'sample-matter-001', name: 'Daniel Whitaker', email: 'd.whitaker@brightwaterfoods.example', role: 'opposing party principal (CEO)' },
  { id: 'sample-adverse-003', matter_id: 'sample-matter-001', name: 'Keller Vance LLP', email: 'rvance@kellervance.example', role: 'opposing counsel' },
  { id: 'sample-adverse-004', matter_id: 'sample-matter-002', name: 'Apex Retail Group Inc.', email: null, role: 'opposing party' },
  { id: 'sample-adverse-005', matter_id: 'sample-matter-002', name: 'Bennett Shaw LLP', email: 'lbennett@bennettshaw.example', role: 'opposing counsel' },
  { id: 'sample-adverse-006', matter_id: 'sample-matter-004', name: 'Bluepeak Analytics Ltd.', email: null, role: 'counterparty' },
  { id: 'sample-adverse-007', matter_id: 'sample-matter-005', name: 'Lakeside Property Management LLC', email: 'office@lakesidepm.example', role: 'opposing party' },
  { id: 'sample-adverse-008', matter_id: 'sample-matter-006', name: 'Summit Commercial Realty LLC', email: null, role: 'landlord' },
];

interface SampleEmail {
  id: string;
  from_address: string;
  from_name: string;
  to_address: string;
  subject: string;
  body: string;
  received_at: Date;
  matter_id: string | null;
}

/** Courts and counterparties do not set deadlines on weekends. */
function weekday(date: Date): Date {
  const day = date.getUTCDay();
  return day === 6 ? addDays(date, 2) : day === 0 ? addDays(date, 1) : date;
}

export function sampleEmails(now: Date): SampleEmail[] {
  const ago = (days: number, hour: number, minute = 0) => {
    const at = new Date(startOfDay(now).getTime() - days * 86_400_000 + (hour * 60 + minute) * 60_000);
    // "today at 16:00" must not be in the future of a morning `now`
    return at.getTime() > now.getTime() ? new Date(now.getTime() - (days + 1) * 3_600_000) : at;
  };
  const ahead = (days: number) => longDate(weekday(addDays(startOfDay(now), days)));
  const intake = `intake@${FIRM}`;
  return [
    {
      id: 'sample-email-001', from_address: 'd.whitaker@brightwaterfoods.example', from_name: 'Daniel Whitaker', to_address: intake,
      subject: 'Seeking representation - contract dispute with our logistics provider', received_at: ago(1, 9, 12), matter_id: null,
      body: `Hello,\n\nMy name is Daniel Whitaker and I am the CEO of Brightwater Foods Inc. We are in a dispute with Harbor Logistics LLC, our former logistics provider, over unpaid invoices and spoiled shipments. We would like to retain your firm to represent Brightwater and me personally.\n\nCould we schedule a consultation this week? You can reach me at +1 555 0190.\n\nBest regards,\nDaniel Whitaker\nCEO, Brightwater Foods Inc.`,
    },
    {
      id: 'sample-email-002', from_address: 'john@example.com', from_name: 'John Miller', to_address: intake,
      subject: 'New client inquiry - employment agreement review', received_at: ago(2, 14, 30), matter_id: null,
      body: `Hi,\n\nMy name is John Miller. I have been offered a position as VP of Engineering at Crestline Medical Devices and would like a lawyer to review the employment agreement before I sign, especially the non-compete clause and the equity vesting schedule. They have asked me to sign by ${ahead(5)}.\n\nI can be reached at (555) 010-7788.\n\nThanks,\nJohn Miller`,
    },
    {
      id: 'sample-email-003', from_address: 'clerk@superiorcourt.example', from_name: 'Superior Court Clerk', to_address: `alice.morgan@${FIRM}`,
      subject: 'Notice of hearing - Harbor Logistics v. Brightwater Foods, Case No. 24-CV-01873', received_at: ago(3, 10, 5), matter_id: 'sample-matter-001',
      body: `NOTICE OF HEARING\n\nCase No. 24-CV-01873, Harbor Logistics LLC v. Brightwater Foods Inc.\n\nThe hearing on Plaintiff's motion to compel discovery is set for ${ahead(9)} at 9:30 AM in Department 14. Counsel must file any reply brief no later than ${ahead(6)}.\n\nClerk of the Superior Court`,
    },
    {
      id: 'sample-email-004', from_address: 'rvance@kellervance.example', from_name: 'Rachel Vance', to_address: `alice.morgan@${FIRM}`,
      subject: 'Harbor v. Brightwater - discovery responses', received_at: ago(4, 16, 40), matter_id: 'sample-matter-001',
      body: `Counsel,\n\nThis is a reminder that Harbor Logistics' responses to our First Set of Interrogatories are due ${ahead(4)}. We will not agree to a further extension.\n\nRachel Vance\nKeller Vance LLP`,
    },
    {
      id: 'sample-email-005', from_address: 'maria.gonzalez@mail.example', from_name: 'Maria Gonzalez', to_address: `david.kim@${FIRM}`,
      subject: 'Question about my invoice', received_at: ago(6, 11, 0), matter_id: 'sample-matter-002',
      body: `Hi David,\n\nI received the invoice for last month and I do not understand the charge for 3.5 hours of document review. Could you explain the billing before I make the payment?\n\nThank you,\nMaria`,
    },
    {
      id: 'sample-email-006', from_address: 'maria.gonzalez@mail.example', from_name: 'Maria Gonzalez', to_address: `david.kim@${FIRM}`,
      subject: 'EEOC right-to-sue letter received', received_at: ago(9, 8, 45), matter_id: 'sample-matter-002',
      body: `David,\n\nI received the EEOC right-to-sue letter in the mail today. My understanding is that we must file the lawsuit within 90 days. What do you need from me?\n\nMaria`,
    },
    {
      id: 'sample-email-007', from_address: 'robert.chen@mail.example', from_name: 'Robert Chen', to_address: `alice.morgan@${FIRM}`,
      subject: 'Updated beneficiary list for the trust', received_at: ago(11, 19, 20), matter_id: 'sample-matter-003',
      body: `Alice,\n\nAttached is the updated list of beneficiaries for the Chen Family Trust. My daughter Emily has moved to Portland; please update her address.\n\nRegards,\nRobert Chen`,
    },
    {
      id: 'sample-email-008', from_address: 'emma.clarke@northwind.example', from_name: 'Emma Clarke', to_address: `david.kim@${FIRM}`,
      subject: 'Bluepeak MSA - redlines attached', received_at: ago(2, 9, 50), matter_id: 'sample-matter-004',
      body: `David,\n\nBluepeak sent back their redlines on the Master Services Agreement (draft v3). They want signature by ${ahead(7)}. I am worried about the liability cap and the auto-renewal. Can you review the draft and flag the issues?\n\nEmma Clarke\nCEO, Northwind Software Inc.`,
    },
    {
      id: 'sample-email-009', from_address: 'priya.patel@mail.example', from_name: 'Priya Patel', to_address: `ben.okafor@${FIRM}`,
      subject: 'URGENT: landlord says they will change the locks', received_at: ago(0, 7, 55), matter_id: 'sample-matter-005',
      body: `Ben,\n\nLakeside Property Management left a notice on my door saying they will change the locks on ${ahead(2)} unless I pay the disputed repair charges. Can they do this? Please call me as soon as possible at +1 555 0155.\n\nPriya`,
    },
    {
      id: 'sample-email-010', from_address: 'accounts@oakridgedental.example', from_name: 'Oakridge Dental Accounts', to_address: `billing@${FIRM}`,
      subject: 'Final invoice for the lease renewal matter', received_at: ago(8, 13, 15), matter_id: 'sample-matter-006',
      body: `Hello,\n\nWe received your final invoice for the lease renewal. Dr. Ortiz asked whether the paralegal time billed after the matter closed is correct. Please send an itemised statement.\n\nOakridge Dental Group accounts`,
    },
    {
      id: 'sample-email-011', from_address: 'efile@superiorcourt.example', from_name: 'Court e-Filing', to_address: `alice.morgan@${FIRM}`,
      subject: 'Filing accepted: Opposition to motion for protective order (24-CV-01873)', received_at: ago(5, 17, 2), matter_id: 'sample-matter-001',
      body: `Your filing "Opposition to motion for protective order" in case 24-CV-01873 was accepted. No action is required.\n\nSuperior Court e-Filing System`,
    },
    {
      id: 'sample-email-012', from_address: 'lbennett@bennettshaw.example', from_name: 'Laura Bennett', to_address: `david.kim@${FIRM}`,
      subject: 'Gonzalez v. Apex - mediation scheduling', received_at: ago(7, 15, 30), matter_id: 'sample-matter-002',
      body: `David,\n\nApex Retail Group proposes mediation on ${ahead(12)} at 10:00 AM with Judge (ret.) Harold Wu at the JAMS Springfield office. Please confirm by ${ahead(3)} whether your client is available.\n\nLaura Bennett\nBennett Shaw LLP`,
    },
    {
      id: 'sample-email-013', from_address: 'sarah.lin@mail.example', from_name: 'Sarah Lin', to_address: intake,
      subject: 'Need help getting my security deposit back', received_at: ago(3, 20, 10), matter_id: null,
      body: `Hello,\n\nMy name is Sarah Lin. I moved out of my apartment two months ago and I am in a dispute with Lakeside Property Management LLC, which is refusing to return my $2,400 security deposit. I would like a consultation about my options.\n\nSarah Lin\n+1 555 0177`,
    },
    {
      id: 'sample-email-014', from_address: 'ap@harborlogistics.example', from_name: 'Harbor Logistics Accounts Payable', to_address: `billing@${FIRM}`,
      subject: 'Invoice 2291 - question on paralegal hours', received_at: ago(10, 10, 0), matter_id: 'sample-matter-001',
      body: `Hello,\n\nInvoice 2291 includes 3 hours of paralegal time for assembling exhibits, billed at the partner rate. Could you confirm this is correct before we approve payment? Our payment run is on the 25th.\n\nAccounts Payable, Harbor Logistics LLC`,
    },
    {
      id: 'sample-email-015', from_address: `ben.okafor@${FIRM}`, from_name: 'Ben Okafor', to_address: `team@${FIRM}`,
      subject: 'Reminder: submit last week\'s time entries', received_at: ago(1, 8, 30), matter_id: null,
      body: `Team,\n\nPlease make sure all time entries for last week are in the system by end of day. Billing runs tomorrow.\n\nBen`,
    },
    {
      id: 'sample-email-016', from_address: 'news@legaltechweekly.example', from_name: 'Legal Tech Weekly', to_address: `alice.morgan@${FIRM}`,
      subject: 'This week in legal tech: AI in e-discovery', received_at: ago(12, 6, 0), matter_id: null,
      body: `This week: how firms use AI to speed up e-discovery, a new e-filing portal, and upcoming webinars. Unsubscribe at any time.`,
    },
    {
      id: 'sample-email-017', from_address: 'priya.patel@mail.example', from_name: 'Priya Patel', to_address: `ben.okafor@${FIRM}`,
      subject: 'Photos of the water damage', received_at: ago(4, 12, 25), matter_id: 'sample-matter-005',
      body: `Ben,\n\nAs you asked, here are the photos of the water damage in the bathroom, taken before I reported it to Lakeside.\n\nPriya`,
    },
    {
      id: 'sample-email-018', from_address: 'emma.clarke@northwind.example', from_name: 'Emma Clarke', to_address: `david.kim@${FIRM}`,
      subject: 'Signed engagement letter', received_at: ago(13, 11, 40), matter_id: 'sample-matter-004',
      body: `David,\n\nPlease find our signed engagement letter attached. Looking forward to working with you on the Bluepeak agreement.\n\nEmma`,
    },
    {
      id: 'sample-email-019', from_address: `carla.reyes@${FIRM}`, from_name: 'Carla Reyes', to_address: `ben.okafor@${FIRM}`,
      subject: 'Patel - limitation period reminder', received_at: ago(6, 9, 0), matter_id: 'sample-matter-005',
      body: `Ben,\n\nReminder: the deadline to file the habitability claim for Priya Patel is ${ahead(30)}. I have started drafting the complaint.\n\nCarla`,
    },
    {
      id: 'sample-email-020', from_address: 'tom.reilly@harborlogistics.example', from_name: 'Tom Reilly', to_address: `alice.morgan@${FIRM}`,
      subject: 'Brightwater settlement offer', received_at: ago(1, 15, 5), matter_id: 'sample-matter-001',
      body: `Alice,\n\nBrightwater's counsel called: they offer $85,000 to settle all claims. The offer expires on ${ahead(6)}. Our board meets before then - what is your recommendation?\n\nTom Reilly\nGeneral Counsel, Harbor Logistics LLC`,
    },
  ];
}

interface SampleTimeEntry {
  id: string;
  matter_id: string;
  lawyer: string;
  entry_date: string;
  hours: number;
  rate: number;
  description: string;
  billed: boolean;
}

/** Last week (billed) and this week (unbilled), with the anomalies a billing review should catch. */
export function sampleTimeEntries(now: Date): SampleTimeEntry[] {
  const today = startOfDay(now);
  const monday = addDays(today, -((today.getUTCDay() + 6) % 7));
  // this week's entries never lie in the future of `now`
  const day = (week: 0 | -1, weekday: number) => {
    const date = addDays(monday, week * 7 + weekday);
    return (date > today ? today : date).toISOString().slice(0, 10);
  };
  const { alice, david, ben, carla } = SAMPLE_LAWYERS;
  let n = 0;
  const entry = (week: 0 | -1, weekday: number, matter: string, who: { name: string; rate: number }, hours: number, description: string, rate: number = who.rate): SampleTimeEntry => ({
    id: `sample-time-${String(++n).padStart(3, '0')}`,
    matter_id: `sample-matter-${matter}`,
    lawyer: who.name,
    entry_date: day(week, weekday),
    hours,
    rate,
    description,
    billed: week === -1,
  });
  return [
    entry(-1, 0, '001', alice, 2.5, 'Draft opposition to motion for protective order'),
    entry(-1, 0, '001', carla, 3, 'Assemble exhibits for opposition brief'),
    entry(-1, 1, '001', alice, 1.5, 'Revise and file opposition brief'),
    entry(-1, 1, '002', david, 2, 'Review EEOC file and personnel records'),
    entry(-1, 2, '002', david, 14.5, 'Document review - Apex production set 2'),
    entry(-1, 2, '003', alice, 1, 'Call with R. Chen re beneficiaries'),
    entry(-1, 3, '004', david, 3, 'Review Bluepeak MSA draft v2'),
    entry(-1, 3, '005', ben, 2, 'Research habitability and lockout statutes'),
    entry(-1, 4, '005', carla, 1.5, 'Organise client photos and repair records'),
    entry(-1, 4, '004', david, 1.5, 'Call with E. Clarke re negotiation strategy'),
    entry(0, 0, '001', alice, 2, 'Prepare for hearing on motion to compel'),
    entry(0, 0, '001', carla, 2.5, 'Draft interrogatory responses'),
    entry(0, 0, '001', carla, 2.5, 'Draft interrogatory responses'),
    entry(0, 1, '004', david, 4, 'Mark up Bluepeak MSA draft v3 - liability and renewal'),
    entry(0, 1, '002', ben, 1.5, 'Mediation brief outline', 450),
    entry(0, 1, '005', ben, 0.5, 'misc'),
    entry(0, 2, '006', carla, 1.2, 'Prepare final statement for closed file'),
    entry(0, 2, '003', alice, 2, 'Draft trust amendment'),
  ];
}
